"""Pickers: find another resource by typing part of its name, instead of typing its id.

``/pick/<kind>?q=`` answers ``{"items": [{"id", "name"}]}`` (at most 12) for
``static/picker.js``; forms look a typed name up with :meth:`Picker.search` when no
JavaScript chose one. What a person may not list answers no items (the API's scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, jsonify, request

from services.console.client import ApiError
from services.console.views.common import api, places, readable


@dataclass(frozen=True)
class Picker:
    service: str
    path: str
    show: Callable[[dict], str] = lambda row: row["name"]

    def search(self, q: str, limit: int = 12) -> list[dict]:
        body = readable(
            lambda: api().get(self.service, self.path, q=q[:100], per_page=limit, sort="name"), {}
        )
        return [{"id": row["id"], "name": self.show(row)} for row in body.get("items", [])]

    def name(self, id_) -> str:
        """The name shown for an id already chosen (``#id`` if the caller may not read it)."""
        try:
            return self.show(api().get(self.service, f"{self.path}/{int(id_)}"))
        except (ApiError, ValueError):
            return f"#{id_}"


def _village(row: dict) -> str:
    return f"{row['name']}（{places().name('towns', row.get('town_id'))}）"


def _trainee(row: dict) -> str:
    return f"{row['name']}（{places().name('units', row.get('unit_id'))}，{row.get('cohort')}）"


def _person(row: dict) -> str:
    titles = [
        p.get("title") for p in row.get("positions") or [] if p.get("active") and p.get("title")
    ]
    return f"{row['name']}（{'、'.join(titles)}）" if titles else row["name"]


PICKERS: dict[str, Picker] = {
    "trainees": Picker("roster", "/trainees", _trainee),
    "people": Picker("roster", "/people", _person),
    "villages": Picker("roster", "/villages", _village),
    "towns": Picker("roster", "/towns"),
    "units": Picker("roster", "/units"),
}

bp = Blueprint("pick", __name__, url_prefix="/pick")


@bp.get("/<kind>")
def pick(kind: str):
    """Up to 12 of ``kind`` whose name (or identity number, phone) matches ``q``."""
    picker = PICKERS.get(kind)
    if picker is None:
        abort(404)
    q = request.args.get("q", "").strip()
    return jsonify({"items": picker.search(q) if q else []})
