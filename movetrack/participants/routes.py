from flask import Blueprint

bp = Blueprint("participants", __name__, url_prefix="/participants")


@bp.get("/")
def index():
    return ""


@bp.get("/new")
def new():
    return ""


@bp.get("/<int:participant_id>")
def show(participant_id):
    return ""
