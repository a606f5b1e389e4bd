"""Roster's rules: registering, placing and changing trainees."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.domain.auth import revoke_tokens
from services.roster.domain.common import _get, _unique_id_number, emit
from services.roster.models import Account, Placement, StatusChange, Trainee, Unit, Village
from shared.db import utcnow
from shared.errors import Conflict, DomainError
from shared.normalize import message
from shared.vocabulary import TRAINEE_STATUSES

#: The statuses in Chinese, for refusals.
STATUS_TRANSITIONS = {
    "active": {"completed", "withdrawn"},
    "completed": set(),
    "withdrawn": set(),
}


def trainee_payload(trainee: Trainee) -> dict:
    current = current_placement(trainee)
    return {
        "id": trainee.id,
        "name": trainee.name,
        "gender": trainee.gender,
        "cohort": trainee.cohort,
        "unit_id": trainee.unit_id,
        "status": trainee.status,
        "phone": trainee.phone,
        "email": trainee.email,
        "town_id": trainee.town_id,
        "village_id": trainee.village_id,
        "placement_start": current.start_date if current else None,
        "version": trainee.version,
    }


def current_placement(trainee: Trainee) -> Placement | None:
    return next((p for p in trainee.placements if p.is_current), None)


def register_trainee(session: Session, data: dict) -> Trainee:
    """Register a trainee (and, if ``placement`` is given, place them) and announce it."""
    data = dict(data)
    placement = data.pop("placement", None)
    _get(session, Unit, data["unit_id"], "unit_id")
    _unique_id_number(session, Trainee, data.get("id_number"))
    trainee = Trainee(**data, status="active")
    session.add(trainee)
    session.flush()
    emit(session, "trainee.registered", trainee_payload(trainee))
    if placement:
        place_trainee(
            session,
            trainee,
            placement["village_id"],
            placement["start_date"],
            placement.get("note", ""),
        )
    return trainee


def register_trainees(session: Session, items: list[dict]) -> tuple[list[int], dict[int, dict]]:
    """Register many new trainees at once (an import): the same rows and the same events,
    in the same order, as ``register_trainee`` for each, in a handful of statements instead
    of about eight round trips a row. Returns the new ids in ``items``' order and the
    errors by index; any error registers nothing (the caller rolls back)."""
    errors: dict[int, dict] = {}
    wanted_units = {i["unit_id"] for i in items}
    units = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(wanted_units))))
    wanted = {i["placement"]["village_id"] for i in items if i.get("placement")}
    villages = dict(
        session.execute(sa.select(Village.id, Village.town_id).where(Village.id.in_(wanted))).all()
    )
    numbers = {i["id_number"] for i in items if i.get("id_number")}
    taken = set(session.scalars(sa.select(Trainee.id_number).where(Trainee.id_number.in_(numbers))))
    not_found = message("不存在", "not found")
    for index, item in enumerate(items):
        if item["unit_id"] not in units:
            errors[index] = {"unit_id": [not_found]}
        elif item.get("placement") and item["placement"]["village_id"] not in villages:
            errors[index] = {"village_id": [not_found]}
        elif item.get("id_number") in taken:
            errors[index] = {"id_number": [message("已登记", "already registered")]}
    if errors or not items:
        return [], errors
    now = utcnow()
    rows = []
    for item in items:
        data = {k: v for k, v in item.items() if k != "placement"}
        placement = item.get("placement")
        village = placement["village_id"] if placement else None
        rows.append(
            {
                **data,
                "status": "active",
                # A placed trainee is written as register_trainee leaves it: placed, and
                # at version 2 (registered, then updated by the placement).
                "town_id": villages[village] if placement else None,
                "village_id": village,
                "version": 2 if placement else 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Core, not the ORM's bulk INSERT, which would set the version column itself.
    table = Trainee.__table__
    ids = list(
        session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    )
    placed = [(tid, item) for tid, item in zip(ids, items, strict=True) if item.get("placement")]
    placement_ids = iter(
        session.scalars(
            sa.insert(Placement).returning(Placement.id, sort_by_parameter_order=True),
            [
                {
                    "trainee_id": tid,
                    "village_id": item["placement"]["village_id"],
                    "town_id": villages[item["placement"]["village_id"]],
                    "start_date": item["placement"]["start_date"],
                    "note": item["placement"].get("note", ""),
                    "is_current": True,
                    "created_at": now,
                }
                for tid, item in placed
            ],
        )
        if placed
        else []
    )
    for tid, item in zip(ids, items, strict=True):
        emit(
            session,
            "trainee.registered",
            {
                "id": tid,
                "name": item["name"],
                "gender": item.get("gender"),
                "cohort": item["cohort"],
                "unit_id": item["unit_id"],
                "status": "active",
                "phone": item.get("phone"),
                "email": item.get("email"),
                "town_id": None,
                "village_id": None,
                "placement_start": None,
                "version": 1,
            },
        )
        placement = item.get("placement")
        if placement:
            emit(
                session,
                "trainee.placed",
                {
                    "trainee_id": tid,
                    "placement_id": next(placement_ids),
                    "unit_id": item["unit_id"],
                    "town_id": villages[placement["village_id"]],
                    "village_id": placement["village_id"],
                    "start_date": placement["start_date"],
                    "end_date": None,
                    "previous_town_id": None,
                    "previous_village_id": None,
                    "first_in_village": True,
                    "version": 2,
                },
            )
    session.flush()
    return ids, errors


def update_trainee(session: Session, trainee: Trainee, data: dict) -> Trainee:
    """Change a trainee's profile and announce it."""
    if "unit_id" in data:
        _get(session, Unit, data["unit_id"], "unit_id")
    if "id_number" in data:
        _unique_id_number(session, Trainee, data["id_number"], trainee.id)
    for key, value in data.items():
        setattr(trainee, key, value)
    trainee.updated_at = utcnow()
    session.flush()
    emit(session, "trainee.updated", trainee_payload(trainee))
    return trainee


def place_trainee(
    session: Session, trainee: Trainee, village_id: int, start_date: dt.date, note: str = ""
) -> Placement:
    """Station a trainee in a village from ``start_date``; the current placement, if any,
    ends the day before. Announces ``trainee.placed``."""
    if trainee.status != "active":
        status_zh = TRAINEE_STATUSES.get(trainee.status, trainee.status)
        raise DomainError.on(
            "trainee",
            (f"该选调生已{status_zh}，不能派驻", f"a {trainee.status} trainee cannot be placed"),
            ("不在锻炼期内", "not active"),
        )
    village = _get(session, Village, village_id, "village_id")
    current = current_placement(trainee)
    first = not trainee.placements
    if current is not None:
        if current.village_id == village_id:
            raise Conflict.on(
                "village_id",
                ("该选调生已派驻在这个村", "the trainee is already placed in this village"),
                ("与当前派驻相同", "same as the current placement"),
            )
        if start_date <= current.start_date:
            started = current.start_date.isoformat()
            later = message("应晚于当前派驻的开始日期", "not after the current placement's start")
            raise DomainError(
                message(
                    f"新的派驻须晚于当前派驻的开始日期（{started}）",
                    f"a new placement must start after the current one started ({started})",
                ),
                {"start_date": [later]},
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.is_current = False
    placement = Placement(
        trainee=trainee,
        village_id=village.id,
        town_id=village.town_id,
        start_date=start_date,
        note=note,
        is_current=True,
    )
    session.add(placement)
    previous_town, previous_village = trainee.town_id, trainee.village_id
    trainee.town_id, trainee.village_id = village.town_id, village.id
    trainee.updated_at = utcnow()
    session.flush()
    emit(
        session,
        "trainee.placed",
        {
            "trainee_id": trainee.id,
            "placement_id": placement.id,
            "unit_id": trainee.unit_id,
            "town_id": village.town_id,
            "village_id": village.id,
            "start_date": start_date,
            "end_date": None,
            "previous_town_id": previous_town,
            "previous_village_id": previous_village,
            "first_in_village": first,
            "version": trainee.version,
        },
    )
    return placement


def change_status(
    session: Session,
    trainee: Trainee,
    to_status: str,
    effective_date: dt.date,
    reason: str,
    changed_by: str,
) -> StatusChange:
    """Complete or withdraw a trainee from ``effective_date``, the first day no longer in
    training (as every service reads ``trainee.status_changed``): the current placement's
    last day is the day before (its start day at the earliest)."""
    if to_status not in STATUS_TRANSITIONS[trainee.status]:
        status = trainee.status
        status_zh, to_zh = (TRAINEE_STATUSES.get(s, s) for s in (status, to_status))
        raise DomainError.on(
            "status",
            (
                f"状态为“{status_zh}”的选调生不能改为“{to_zh}”",
                f"a {status} trainee cannot become {to_status}",
            ),
            (f"不能从“{status_zh}”变更", f"not allowed from {status}"),
        )
    current = current_placement(trainee)
    if current is not None:
        if effective_date < current.start_date:
            raise DomainError.on(
                "effective_date",
                (
                    "变更日期不能早于当前派驻的开始日期",
                    "the change cannot precede the current placement's start",
                ),
                ("早于派驻开始日期", "before the placement started"),
            )
        current.end_date = max(current.start_date, effective_date - dt.timedelta(days=1))
        current.is_current = False
    change = StatusChange(
        trainee_id=trainee.id,
        from_status=trainee.status,
        to_status=to_status,
        effective_date=effective_date,
        reason=reason,
        changed_by=changed_by,
    )
    session.add(change)
    town_id, village_id = trainee.town_id, trainee.village_id
    trainee.status = to_status
    trainee.updated_at = utcnow()
    session.flush()
    emit(
        session,
        "trainee.status_changed",
        {
            "trainee_id": trainee.id,
            "from_status": change.from_status,
            "to_status": to_status,
            "effective_date": effective_date,
            "reason": reason,
            "unit_id": trainee.unit_id,
            "town_id": town_id,
            "village_id": village_id,
            "version": trainee.version,
        },
    )
    # the trainee's logins end now, whatever the effective date says (a back-dated
    # withdrawal ends them today; the login refusal follows the status)
    for account in session.scalars(
        sa.select(Account).where(Account.role == "trainee", Account.scope_id == trainee.id)
    ):
        revoke_tokens(session, account, f"trainee_{to_status}")
    return change
