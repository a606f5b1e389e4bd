"""Mentorship API: mentor assignments, a trainee's mentors and suggestions, gap filling.

Reading follows the trainee's scope (a mentor also sees their own assignments); changes
are made by the city, by a town for the trainees placed in it and by a unit for its own
trainees. Every change is announced (``mentor.assigned`` / ``mentor.released``) and audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.mentorship import access
from services.mentorship.domain import assignments as domain
from services.mentorship.models import Assignment, Audit, Trainee
from services.mentorship.schemas.assignments import (
    AssignmentEndIn,
    AssignmentIn,
    AssignmentListArgs,
    AssignmentOut,
    AssignmentPage,
    AuditOut,
    GapFillIn,
    GapFillOut,
    SuggestionsOut,
    TraineeMentorsOut,
)
from shared.api import blueprint, endpoint
from shared.auth import (
    STAFF,
    Principal,
    act,
    check_trainee_scope,
    current_principal,
    own_slice,
)
from shared.db import session
from shared.http import app_today, field_problem, paginate, where_given

blp = blueprint(
    "assignments", "/api/v1/mentorship", "Mentor assignments (导师), suggestions and gap filling"
)


def _capacity() -> dict[str, int]:
    return current_app.config["MENTOR_CAPACITY"]


def _visible(principal: Principal):
    """Assignments the caller may read: those of trainees in scope, and for a mentor
    also their own (ended ones included)."""
    clause = access.trainee_scope(principal, Assignment.trainee_id)
    if principal.role == "mentor":
        clause = sa.or_(clause, Assignment.mentor_id == principal.scope_id)
    return clause


def load_assignment(id_: int) -> Assignment:
    """The assignment, if the caller's scope covers its trainee (else 404)."""
    assignment = session().get(Assignment, id_)
    trainee = session().get(Trainee, assignment.trainee_id) if assignment else None
    mentors: list[int] = []
    if trainee is not None and current_principal().role == "mentor":
        mentors = [*access.active_mentor_ids(trainee.id), assignment.mentor_id]
    check_trainee_scope(trainee and assignment, trainee, mentors)
    return assignment


@endpoint(blp, "GET /assignments", query=AssignmentListArgs, out=AssignmentPage)
def get_assignments(args):
    """Assignments in the caller's scope; filter by ``trainee_id``, ``mentor_id``,
    ``role``, ``active``, ``vacated``, and the trainee's ``town_id`` or ``unit_id``; sort
    by ``id``, ``start_date``, ``end_date``, ``role``, ``trainee_id``, ``mentor_id``."""
    query = sa.select(Assignment).where(_visible(current_principal()))
    query = where_given(
        query, args, Assignment, "trainee_id", "mentor_id", "role", "active", "vacated"
    )
    for key in ("town_id", "unit_id"):
        if args.get(key) is not None:
            query = query.where(
                Assignment.trainee_id.in_(
                    sa.select(Trainee.id).where(getattr(Trainee, key) == args[key])
                )
            )
    page = paginate(
        session(),
        query,
        args,
        (
            Assignment.id,
            Assignment.start_date,
            Assignment.end_date,
            Assignment.role,
            Assignment.trainee_id,
            Assignment.mentor_id,
        ),
    )
    page["items"] = domain.describe(session(), page["items"])
    return page


@endpoint(blp, "POST /assignments", *STAFF, body=AssignmentIn, out=AssignmentOut, status=201)
def post_assignments(data):
    """Make a person the trainee's mentor in a role, from ``start_date`` (default:
    today in the city). 422 names the eligibility rule that failed, or says the mentor
    is at capacity; 409 if the seat is taken, unless ``replace`` is true, which ends
    the current holder's assignment. Announced as ``mentor.assigned`` (after
    ``mentor.released`` when replacing)."""
    access.load_trainee(data["trainee_id"])
    today = app_today()
    assignment = act(
        domain.assign,
        data["trainee_id"],
        data["mentor_id"],
        data["role"],
        start_date=data["start_date"] or today,
        replace=data["replace"],
        capacity=_capacity(),
        today=today,
    )
    return domain.describe(session(), [assignment])[0]


@endpoint(blp, "GET /assignments/<int:id>", out=AssignmentOut)
def get_assignment_item(id):
    """One assignment."""
    return domain.describe(session(), [load_assignment(id)])[0]


@endpoint(blp, "POST /assignments/<int:id>/end", *STAFF, body=AssignmentEndIn, out=AssignmentOut)
def post_assignment_end(data, id):
    """End an assignment on ``end_date`` (default: today; neither before it began nor
    in the future); ``reason`` is kept in the audit trail. Announced as
    ``mentor.released`` with reason ``manual``."""
    assignment = load_assignment(id)
    today = app_today()
    act(
        domain.end_assignment,
        assignment,
        end_date=data["end_date"] or today,
        today=today,
        note=data["reason"],
    )
    return domain.describe(session(), [assignment])[0]


@endpoint(blp, "GET /assignments/<int:id>/audit", *STAFF, out=AuditOut(many=True))
def get_assignment_audit(id):
    """The audit trail of an assignment: who changed it, when, before and after."""
    load_assignment(id)
    return (
        session()
        .scalars(
            sa.select(Audit)
            .where(Audit.entity == "assignment", Audit.entity_id == id)
            .order_by(Audit.id)
        )
        .all()
    )


@endpoint(blp, "GET /trainees/<int:id>/mentors", out=TraineeMentorsOut)
def get_trainee_mentors(id):
    """The trainee's active mentors with their names, and the required roles still
    missing."""
    return domain.mentors_of(session(), access.load_trainee(id))


@endpoint(blp, "GET /trainees/<int:id>/suggestions", *STAFF, out=SuggestionsOut)
def get_trainee_suggestions(id):
    """Per role, the people eligible today with their current load and capacity; those
    at capacity are listed apart (``at_capacity``), the current holder not at all."""
    trainee = access.load_trainee(id)
    return domain.suggestions(session(), trainee, _capacity(), app_today())


@endpoint(blp, "POST /gaps/fill", *STAFF, body=GapFillIn, out=GapFillOut)
def post_gap_fill(data):
    """Fill every empty required seat of the active trainees of a town (``town_id``) or
    unit (``unit_id``) where exactly one eligible person has spare capacity; answer
    the assignments made and the gaps left with the reason. A town or unit fills its
    own (the id may be left out); the city names one."""
    town_id, unit_id = own_slice(
        data["town_id"],
        data["unit_id"],
        "gaps",
        doing=("补齐{own}的导师空缺", "fills only its own {what}"),
    )
    if town_id is None and unit_id is None:
        raise field_problem(
            422,
            "town_id",
            (
                "请选择要补齐导师的镇（街）或单位",
                "name the town_id or the unit_id whose gaps to fill",
            ),
            ("请选择镇（街）或单位", "town_id or unit_id is required"),
        )
    conditions = [sa.true()]
    if town_id is not None:
        conditions.append(Trainee.town_id == town_id)
    if unit_id is not None:
        conditions.append(Trainee.unit_id == unit_id)
    return act(domain.fill_gaps, sa.and_(*conditions), capacity=_capacity())
