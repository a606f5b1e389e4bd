"""Resource pages: each :class:`~services.console.resources.base.Resource` becomes a
blueprint of list, detail, new and edit pages; ``/roster/``, ``/mentorship/`` and
``/reporting/`` list each area's."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, url_for

from services.console.i18n import N_
from services.console.resources import (
    evaluations,
    mentorship,
    notifier,
    pick,
    reporting,
    roster,
    welfare,
)
from services.console.resources.base import Resource, blueprint

#: Every resource with pages, by area (the area's index page lists those a role may open).
AREAS: dict[str, list[Resource]] = {
    "roster": roster.RESOURCES,
    "welfare": welfare.RESOURCES,
    "notifier": notifier.RESOURCES,
    "mentorship": mentorship.RESOURCES,
    "reporting": [*reporting.RESOURCES, *evaluations.RESOURCES],
}
#: Each area's heading (its menu entry).
TITLES = {"roster": N_("名册"), "mentorship": N_("导师制"), "reporting": N_("报送与督导")}
#: Pages of an area that are not a resource's list: (title, endpoint, roles).
EXTRA: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "reporting": reporting.EXTRA_PAGES,
}


def _home(area: str) -> Blueprint:
    bp = Blueprint(f"{area}_home", __name__, url_prefix=f"/{area}")

    @bp.get("/")
    def index():
        """The area's resources this role may list (and whether it may create them)."""
        role = g.user["role"]
        tiles = [
            (r.name, r.title, url_for(f"{r.endpoint}.index"), r.may("create"))
            for r in AREAS[area]
            if r.may("list")
        ]
        tiles += [
            (endpoint.split(".")[0], title, url_for(endpoint), True)
            for title, endpoint, roles in EXTRA.get(area, [])
            if role in roles
        ]
        if not tiles:
            abort(403)
        return render_template("resource_home.html", tiles=tiles, title=TITLES[area], role=role)

    return bp


BLUEPRINTS = [_home(area) for area in TITLES] + [pick.bp]  # (welfare has its own index)
BLUEPRINTS += [blueprint(r) for area in AREAS.values() for r in area]
BLUEPRINTS += reporting.BLUEPRINTS
