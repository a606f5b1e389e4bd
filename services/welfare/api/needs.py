"""The needs register (思想动态与实际需求). A trainee raises its own needs; a mentor raises one
for an active mentee, a unit, town or the city for a trainee in scope. The handler (a
unit, town, village — answered by its town's account — or the city, optionally a named
person) starts and resolves it; the trainee confirms (closed) or reopens it.

Confidential needs are seen ONLY by the city, the handler and the trainee concerned: no
one else finds them in lists or by id (404), not even the mentor who raised one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.welfare.access import load_trainee, trainee_scope
from services.welfare.domain import needs as domain
from services.welfare.models import Need, Village
from services.welfare.schemas.needs import (
    HandlerIn,
    NeedIn,
    NeedListArgs,
    NeedOut,
    NeedPage,
    ReopenIn,
    ResolveIn,
)
from shared.api import blueprint, endpoint
from shared.auth import Principal, act, current_principal
from shared.db import session
from shared.http import (
    NOT_IN_SCOPE,
    ListArgs,
    app_today,
    field_problem,
    get_or_404,
    paginate,
    problem,
    where_given,
)
from shared.normalize import message

blp = blueprint(
    "needs",
    "/api/v1/welfare/needs",
    "The needs register (思想动态与实际需求): concerns and practical problems of "
    "trainees, their handlers, time limits and resolution",
)

OPEN = ("open", "in_progress")


def _due_days() -> int:
    return int(current_app.config.get("NEED_DUE_DAYS", domain.DEFAULT_DUE_DAYS))


def handled_by(principal: Principal):
    """A WHERE clause: the needs the caller handles (by role and scope, a village's by its
    town's account, or as the named person)."""
    role, scope = principal.role, principal.scope_id
    if role == "city":
        return sa.true()
    if role == "unit":
        return sa.and_(Need.handler_role == "unit", Need.handler_scope_id == scope)
    if role == "town":
        return sa.or_(
            sa.and_(Need.handler_role == "town", Need.handler_scope_id == scope),
            sa.and_(
                Need.handler_role == "village",
                Need.handler_scope_id.in_(sa.select(Village.id).where(Village.town_id == scope)),
            ),
        )
    if role == "mentor":
        return Need.handler_person_id == scope
    return sa.false()


def need_visibility(principal: Principal):
    """The needs a caller may read: those it handles; the trainee its own; the others in
    its trainee scope only when not confidential."""
    own = Need.trainee_id == principal.scope_id if principal.role == "trainee" else sa.false()
    return sa.or_(
        handled_by(principal),
        own,
        sa.and_(Need.confidential.is_(False), trainee_scope(principal, Need.trainee_id)),
    )


def load_need(need_id: int) -> Need:
    """The need, if the caller may read it (else 404, as for a missing one)."""
    return get_or_404(Need, need_id, need_visibility(current_principal()))


def load_handled(need_id: int) -> Need:
    """A need the caller handles (the city handles any); a reader who is not the handler
    gets 403, others 404."""
    need = load_need(need_id)
    principal = current_principal()
    handles = session().scalar(
        sa.select(sa.func.count()).where(Need.id == need.id, handled_by(principal))
    )
    if not handles:
        raise problem(
            403,
            "Forbidden",
            message(
                "只有承办方或市委组织部可以处理该需求",
                "only the handler or the city acts on this need",
            ),
        )
    return need


def handle(step, need_id: int, *args, **kwargs) -> Need:
    """Take ``step`` (the domain's assign, start or resolve) on a need the caller handles,
    as the caller, and commit; the need as answered."""
    need = load_handled(need_id)
    act(step, need, *args, **kwargs)
    return one(need)


def load_own(need_id: int) -> Need:
    """A need concerning the calling trainee."""
    need = load_need(need_id)
    if need.trainee_id != current_principal().scope_id:
        raise problem(
            403,
            "Forbidden",
            message("只有提出需求的选调生本人可以操作", "only the trainee concerned"),
        )
    return need


def mark_overdue(page: dict, today) -> dict:
    for need in page["items"]:
        need.overdue = need.status in OPEN and need.due_on < today
    return page


def one(need: Need) -> Need:
    need.overdue = need.status in OPEN and need.due_on < app_today()
    return need


SORTABLE = {
    "id": Need.id,
    "due_on": Need.due_on,
    "raised_on": Need.raised_on,
    "status": Need.status,
}


@endpoint(blp, "GET", query=NeedListArgs, out=NeedPage)
def get_needs(args):
    """Needs you may read (confidential ones only if you are the city, the handler or
    the trainee concerned); filter by ``trainee_id``, ``status``, ``category``,
    ``confidential``, ``handler_role``; sort by ``id``, ``due_on``, ``raised_on``,
    ``status``."""
    query = sa.select(Need).where(need_visibility(current_principal()))
    query = where_given(query, args, Need, "trainee_id", "status", "category", "handler_role")
    if args.get("confidential") is not None:
        query = query.where(Need.confidential.is_(args["confidential"]))
    args["sort"] = args.get("sort") or "-id"
    return mark_overdue(paginate(session(), query, args, SORTABLE), app_today())


@endpoint(blp, "POST", body=NeedIn, out=NeedOut, status=201)
def post_needs(data):
    """Raise a need: a trainee for itself (``trainee_id`` may be left out); a mentor
    for an active mentee; a unit, town or the city for a trainee in scope. The handler
    defaults to the trainee's town (its unit if not placed); the time limit is
    NEED_DUE_DAYS days (default 15), moved to the next working day of the city's
    calendar. Announced as ``need.raised`` (a confidential need's event names no
    category)."""
    principal = current_principal()
    trainee_id = data.pop("trainee_id", None)
    if principal.role == "trainee":
        if trainee_id not in (None, principal.scope_id):
            raise problem(404, "Not found", NOT_IN_SCOPE)
        trainee_id = principal.scope_id
    elif trainee_id is None:
        raise field_problem(
            422, "trainee_id", ("请指定选调生", "which trainee?"), ("必填", "required")
        )
    trainee = load_trainee(trainee_id)
    need = act(domain.raise_need, trainee, data, due_days=_due_days())
    return one(need)


@endpoint(blp, "GET /overdue", query=ListArgs, out=NeedPage)
def get_overdue_needs(args):
    """Open or in-progress needs past their time limit, that you may read, the most
    overdue first."""
    today = app_today()
    query = sa.select(Need).where(
        need_visibility(current_principal()), Need.status.in_(OPEN), Need.due_on < today
    )
    args["sort"] = args.get("sort") or "due_on"
    return mark_overdue(paginate(session(), query, args, SORTABLE), today)


@endpoint(blp, "GET /<int:id>", out=NeedOut)
def get_need_item(id):
    """One need with its history."""
    return one(load_need(id))


@endpoint(
    blp, "POST /<int:id>/assign", "city", "unit", "town", "mentor", body=HandlerIn, out=NeedOut
)
def post_need_assign(data, id):
    """Hand the need to another handler (the city, or the current handler passing it
    on); not once closed (409)."""
    return handle(domain.assign, id, data)


@endpoint(blp, "POST /<int:id>/start", "city", "unit", "town", "mentor", out=NeedOut)
def post_need_start(id):
    """The handler starts on an open need (else 409)."""
    return handle(domain.start, id)


@endpoint(
    blp, "POST /<int:id>/resolve", "city", "unit", "town", "mentor", body=ResolveIn, out=NeedOut
)
def post_need_resolve(data, id):
    """The handler reports the need resolved, saying how (from open or in progress,
    else 409). Announced as ``need.resolved`` with whether it was on time."""
    return handle(domain.resolve, id, data["resolution"])


@endpoint(blp, "POST /<int:id>/confirm", "trainee", out=NeedOut)
def post_need_confirm(id):
    """The trainee confirms the resolution: closed (only when resolved, else 409)."""
    need = load_own(id)
    act(domain.confirm, need)
    return one(need)


@endpoint(blp, "POST /<int:id>/reopen", "trainee", body=ReopenIn, out=NeedOut)
def post_need_reopen(data, id):
    """The trainee is not satisfied: the resolved need is open again with the
    ``reason`` and a fresh time limit (only when resolved, else 409)."""
    need = load_own(id)
    act(domain.reopen, need, data["reason"], due_days=_due_days())
    return one(need)


BLUEPRINTS = [blp]
