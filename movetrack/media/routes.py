from flask import Blueprint

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/uploads/<int:upload_id>/thumbnail")
def thumbnail(upload_id):
    return ""
