"""Trainees, their placements and status. A town sees the trainees placed in it, a unit
its own, a trainee itself; the city sees and changes everything."""

from __future__ import annotations

import sqlalchemy as sa

from services.roster.domain import trainees as domain
from services.roster.domain.common import search_clause
from services.roster.models import Placement, StatusChange, Town, Trainee, Unit
from services.roster.schemas.trainees import (
    PlacementIn,
    PlacementOut,
    StatusChangeIn,
    StatusChangeOut,
    TraineeDetailOut,
    TraineeIn,
    TraineeListArgs,
    TraineePage,
    TraineePatch,
)
from shared.api import blueprint, endpoint
from shared.auth import (
    Principal,
    act,
    check_trainee_scope,
    current_principal,
)
from shared.db import session
from shared.http import field_problem, paginate, where_given

blp = blueprint("trainees", "/api/v1/roster/trainees", "Trainees (选调生), placements and status")


def scope_filter(principal: Principal):
    """The WHERE clause that limits trainees to the caller's scope."""
    if principal.role == "city":
        return sa.true()
    if principal.role == "unit":
        return Trainee.unit_id == principal.scope_id
    if principal.role == "town":
        return Trainee.town_id == principal.scope_id
    if principal.role == "trainee":
        return Trainee.id == principal.scope_id
    # Mentors find their mentees in the mentorship service; roster knows no assignments.
    return sa.false()


def load_trainee(id_: int, *, for_update: bool = False) -> Trainee:
    """The trainee with this id, if the caller's scope covers it (else 404). A change
    locks the row first, so that two clerks changing one trainee at once are served one
    after the other instead of the second failing on the row's version."""
    trainee = session().get(Trainee, id_, with_for_update=for_update)
    check_trainee_scope(trainee, trainee)
    return trainee


def _unit_keeps_to_itself(data: dict) -> None:
    principal = current_principal()
    if principal.role == "unit" and data.get("unit_id", principal.scope_id) != principal.scope_id:
        raise field_problem(
            403,
            "unit_id",
            ("派出单位只能登记本单位的选调生", "a unit registers only its own trainees"),
            ("不是本单位", "not your unit"),
        )


def history(model, trainee_id: int, order) -> list:
    """The trainee's rows of ``model`` (its placements, its status changes) by ``order``,
    if the caller's scope covers the trainee (else 404)."""
    load_trainee(trainee_id)
    return (
        session()
        .scalars(sa.select(model).where(model.trainee_id == trainee_id).order_by(order))
        .all()
    )


@endpoint(blp, "GET", query=TraineeListArgs, out=TraineePage)
def get_trainees(args):
    """Trainees in the caller's scope; search (``q``: an identity number or a phone in
    any typed form finds that exact one, other text a part of the name), filter by
    ``status``, ``unit_id``, ``town_id``, ``village_id``, ``cohort``; sort by
    ``name``, ``cohort``, ``status``, ``birth_date``, ``unit`` or ``town`` (their codes,
    the order clerks list them in), ``id``. Identity and phone numbers are masked."""
    query = sa.select(Trainee).where(scope_filter(current_principal()))
    if args.get("q"):
        query = query.where(search_clause(Trainee, args["q"]))
    query = where_given(
        query, args, Trainee, "status", "unit_id", "town_id", "village_id", "cohort"
    )
    return paginate(
        session(),
        query,
        args,
        {
            "id": Trainee.id,
            "name": Trainee.name,
            "cohort": Trainee.cohort,
            "status": Trainee.status,
            "birth_date": Trainee.birth_date,
            "unit": sa.select(Unit.code).where(Unit.id == Trainee.unit_id).scalar_subquery(),
            "town": sa.select(Town.code).where(Town.id == Trainee.town_id).scalar_subquery(),
        },
    )


@endpoint(blp, "POST", "city", "unit", body=TraineeIn, out=TraineeDetailOut, status=201)
def post_trainees(data):
    """Register a trainee, optionally with a first ``placement``. Announced as
    ``trainee.registered`` (and ``trainee.placed``)."""
    _unit_keeps_to_itself(data)
    if data.get("placement") and not current_principal().is_city:
        raise field_problem(
            403,
            "placement",
            ("选调生的驻村安排由市委组织部确定", "placements are made by the city"),
            ("仅市委组织部可操作", "city only"),
        )
    return act(domain.register_trainee, data)


@endpoint(blp, "GET /<int:id>", out=TraineeDetailOut)
def get_trainee_item(id):
    """One trainee with their placements."""
    return load_trainee(id)


@endpoint(blp, "PATCH /<int:id>", "city", "unit", body=TraineePatch, out=TraineeDetailOut)
def patch_trainee_item(data, id):
    """Change a trainee's profile; announced as ``trainee.updated``."""
    trainee = load_trainee(id, for_update=True)
    _unit_keeps_to_itself(data)
    act(domain.update_trainee, trainee, data)
    return trainee


@endpoint(blp, "GET /<int:id>/placements", out=PlacementOut(many=True))
def get_trainee_placements(id):
    """The placement history, oldest first."""
    return history(Placement, id, Placement.start_date)


@endpoint(blp, "POST /<int:id>/placements", "city", body=PlacementIn, out=PlacementOut, status=201)
def post_trainee_placements(data, id):
    """Station the trainee in a village from ``start_date`` (city only); the current
    placement ends the day before. Announced as ``trainee.placed``."""
    trainee = load_trainee(id, for_update=True)
    return act(domain.place_trainee, trainee, data["village_id"], data["start_date"], data["note"])


@endpoint(blp, "GET /<int:id>/status", out=StatusChangeOut(many=True))
def get_trainee_status(id):
    """The history of status changes."""
    return history(StatusChange, id, StatusChange.id)


@endpoint(
    blp, "POST /<int:id>/status", "city", body=StatusChangeIn, out=StatusChangeOut, status=201
)
def post_trainee_status(data, id):
    """Complete or withdraw the trainee (city only) from ``effective_date``, the first
    day no longer in training (it may be in the past: mentor seats, subsidies and
    forms follow it); the current placement's last day is the day before. Announced
    as ``trainee.status_changed``."""
    trainee = load_trainee(id, for_update=True)
    return act(
        domain.change_status,
        trainee,
        data["status"],
        data["effective_date"],
        data["reason"],
        current_principal().subject,
    )
