from flask import Blueprint

bp = Blueprint("modules", __name__, url_prefix="/library")


@bp.get("/")
def library():
    return ""


@bp.get("/<int:module_id>/sheet")
def sheet(module_id):
    return ""
