"""Resource pages: each :class:`~services.console.resources.base.Resource` becomes a
blueprint of list, detail, new and edit pages; ``/roster/`` lists the roster's."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from services.console.i18n import N_
from services.console.resources import notifier, pick, roster, welfare
from services.console.resources.base import Resource, blueprint

#: Every resource with pages, by area (the area's index page lists those a role may open).
AREAS: dict[str, list[Resource]] = {
    "roster": roster.RESOURCES,
    "welfare": welfare.RESOURCES,
    "notifier": notifier.RESOURCES,
}

home = Blueprint("roster_home", __name__, url_prefix="/roster")


@home.get("/")
def index():
    """The roster's resources this role may list, and what it may create."""
    shown = [r for r in roster.RESOURCES if r.may("list")]
    if not shown:
        abort(403)
    return render_template(
        "resource_home.html", resources=shown, role=g.user["role"], heading=N_("名册")
    )


BLUEPRINTS = [home, pick.bp] + [blueprint(r) for area in AREAS.values() for r in area]
