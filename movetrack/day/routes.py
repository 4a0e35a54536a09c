"""The supervisor's start: today's unit (or a choice of units when they work in several)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from movetrack.auth.policy import Kind, allowed, unit_or_404, units_in_scope
from movetrack.day.view import render_unit_day

bp = Blueprint("day", __name__, url_prefix="/day")
staff_only = allowed("change", Kind.PARTICIPANT)


@bp.get("/")
@staff_only
def today():
    units = units_in_scope(current_user)
    if len(units) == 1:
        return redirect(url_for(".unit_day", unit_id=units[0].id))
    return render_template("day/choose_unit.html", units=units)


@bp.get("/units/<int:unit_id>")
@staff_only
def unit_day(unit_id: int):
    return render_unit_day(unit_or_404(current_user, unit_id))
