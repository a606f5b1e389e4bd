"""The needs register (思想动态与实际需求): a trainee's concern or practical problem, raised by
the trainee or on their behalf by a mentor or visitor, assigned to a handler (a unit, town
or village, or the city; optionally a named person), with a time limit. Status: open →
in_progress → resolved → closed when the trainee confirms, or back to open when the
trainee reopens it with a reason (with a fresh time limit). A time limit that ends on a
day that is not a working day of the city's calendar ends on the next working day. A
confidential need's events carry no category."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.welfare.domain import calendar
from services.welfare.domain.common import emit
from services.welfare.domain.housing import where
from services.welfare.models import Need, NeedStep, Person, Town, Trainee, Unit, Village
from shared.errors import Conflict, DomainError
from shared.normalize import message

#: The time limit of a need when the config does not say (NEED_DUE_DAYS).
DEFAULT_DUE_DAYS = 15

_SCOPES = {"unit": Unit, "town": Town, "village": Village}

#: Handlers, statuses and steps in Chinese (for the refusals).
_HANDLER_ZH = {
    "city": "市委组织部",
    "unit": "派出单位",
    "town": "镇（街道）",
    "village": "村（社区）",
}
_STATUS_ZH = {"open": "待处理", "in_progress": "处理中", "resolved": "已解决", "closed": "已办结"}
_VERB_ZH = {"started": "开始办理", "resolved": "办结", "confirmed": "确认", "reopened": "重新办理"}


def due_on(session: Session, today: dt.date, due_days: int) -> dt.date:
    """The end of a time limit of ``due_days`` from ``today``, moved to the next working
    day."""
    return calendar.next_working_day(session, today + dt.timedelta(days=due_days))


def default_handler(trainee: Trainee) -> dict:
    """Who handles a need when the raiser names no one: the trainee's town if placed,
    else the employing unit."""
    if trainee.town_id is not None:
        return {"handler_role": "town", "handler_scope_id": trainee.town_id}
    return {"handler_role": "unit", "handler_scope_id": trainee.unit_id}


def check_handler(session: Session, handler: dict) -> dict:
    """A handler that exists: the city (no scope), or a known unit, town or village; a
    named person must be known too."""
    role = handler["handler_role"]
    scope_id = handler.get("handler_scope_id")
    person_id = handler.get("handler_person_id")
    role_zh = _HANDLER_ZH.get(role, role)
    errors: dict[str, list[str]] = {}
    if role == "city":
        if scope_id is not None:
            errors["handler_scope_id"] = [
                message("由市委组织部承办时不填承办范围", "the city has no scope id")
            ]
    elif scope_id is None:
        errors["handler_scope_id"] = [message(f"请指定{role_zh}", f"which {role}?")]
    elif session.get(_SCOPES[role], scope_id) is None:
        errors["handler_scope_id"] = [message(f"该{role_zh}不存在", f"unknown {role}")]
    if person_id is not None and session.get(Person, person_id) is None:
        errors["handler_person_id"] = [message("该承办人不存在", "unknown person")]
    if errors:
        raise DomainError(message("承办方不存在", "no such handler"), errors)
    return {"handler_role": role, "handler_scope_id": scope_id, "handler_person_id": person_id}


def _step(need: Need, action: str, before: str | None, by_role: str, by: str, note: str = ""):
    need.history.append(
        NeedStep(
            action=action,
            from_status=before,
            to_status=need.status,
            by_role=by_role,
            by=by,
            note=note,
        )
    )


def raise_need(
    session: Session,
    trainee: Trainee,
    data: dict,
    *,
    role: str,
    by: str,
    today: dt.date,
    due_days: int = DEFAULT_DUE_DAYS,
) -> Need:
    """Register a need of an active trainee, due ``due_days`` after today (or the next
    working day after that, :func:`due_on`). Announced as
    ``need.raised`` (without the category when confidential)."""
    if trainee.status != "active":
        raise DomainError.on(
            "trainee_id",
            ("只能为在锻炼期内的选调生登记需求", "needs are raised for active trainees"),
            ("该选调生不在锻炼期内", "the trainee is not active"),
        )
    handler_fields = {
        k: data[k] for k in ("handler_role", "handler_scope_id", "handler_person_id") if k in data
    }
    handler = check_handler(
        session, handler_fields if "handler_role" in handler_fields else default_handler(trainee)
    )
    need = Need(
        trainee_id=trainee.id,
        category=data["category"],
        title=data["title"],
        description=data.get("description", ""),
        confidential=data.get("confidential", False),
        raised_by_role=role,
        raised_by=by,
        status="open",
        raised_on=today,
        due_on=due_on(session, today, due_days),
        **handler,
    )
    session.add(need)
    _step(need, "raised", None, role, by)
    session.flush()
    emit(
        session,
        "need.raised",
        {
            "need_id": need.id,
            "trainee_id": trainee.id,
            "category": None if need.confidential else need.category,
            "confidential": need.confidential,
            "handler_role": need.handler_role,
            "handler_scope_id": need.handler_scope_id,
            "handler_person_id": need.handler_person_id,
            "due_on": need.due_on,
            **where(trainee),
        },
    )
    return need


def _move(session: Session, need: Need, allowed: tuple[str, ...], to: str, verb: str) -> str:
    """Change the status if the current one allows it. The row is locked and re-read
    first, so that two clerks acting at once cannot both resolve (and announce) it."""
    session.refresh(need, with_for_update=True)
    if need.status not in allowed:
        status_zh = _STATUS_ZH.get(need.status, need.status)
        raise Conflict(
            message(
                f"该需求当前为“{status_zh}”，不能{_VERB_ZH.get(verb, verb)}",
                f"a need that is {need.status} cannot be {verb}",
            )
        )
    before = need.status
    need.status = to
    return before


def assign(session: Session, need: Need, handler: dict, *, role: str, by: str) -> Need:
    """Hand the need to another handler (not once closed)."""
    session.refresh(need, with_for_update=True)
    if need.status == "closed":
        raise Conflict(message("已办结的需求不能转办", "a closed need cannot be reassigned"))
    checked = check_handler(session, handler)
    for key, value in checked.items():
        setattr(need, key, value)
    note = f"{checked['handler_role']}:{checked['handler_scope_id'] or ''}"
    if checked["handler_person_id"]:
        note += f" person {checked['handler_person_id']}"
    _step(need, "assigned", need.status, role, by, note)
    session.flush()
    return need


def start(session: Session, need: Need, *, role: str, by: str) -> Need:
    """The handler starts working on an open need."""
    before = _move(session, need, ("open",), "in_progress", "started")
    _step(need, "started", before, role, by)
    session.flush()
    return need


def resolve(
    session: Session, need: Need, resolution: str, *, today: dt.date, role: str, by: str
) -> Need:
    """The handler reports the need resolved (from open or in progress), saying how.
    Announced as ``need.resolved`` with whether it was within the time limit."""
    before = _move(session, need, ("open", "in_progress"), "resolved", "resolved")
    need.resolution = resolution
    need.resolved_on = today
    _step(need, "resolved", before, role, by, resolution[:1000])
    session.flush()
    trainee = session.get(Trainee, need.trainee_id)
    emit(
        session,
        "need.resolved",
        {
            "need_id": need.id,
            "trainee_id": need.trainee_id,
            "confidential": need.confidential,
            "resolved_on": today,
            "on_time": today <= need.due_on,
            **where(trainee),
        },
    )
    return need


def confirm(session: Session, need: Need, *, today: dt.date, by: str) -> Need:
    """The trainee confirms the resolution: the need is closed."""
    before = _move(session, need, ("resolved",), "closed", "confirmed")
    need.closed_on = today
    _step(need, "confirmed", before, "trainee", by)
    session.flush()
    return need


def reopen(
    session: Session,
    need: Need,
    reason: str,
    *,
    today: dt.date,
    by: str,
    due_days: int = DEFAULT_DUE_DAYS,
) -> Need:
    """The trainee is not satisfied with the resolution: the need is open again, with a
    fresh time limit from today (:func:`due_on`)."""
    before = _move(session, need, ("resolved",), "open", "reopened")
    need.resolved_on = None
    need.reopen_count += 1
    need.due_on = due_on(session, today, due_days)
    _step(need, "reopened", before, "trainee", by, reason)
    session.flush()
    return need
