"""The five small facilities (五小): for each town, the state of its canteen, bathhouse,
toilet, library and recreation room (none, in progress, ready) with dates, and the
city-wide completion view."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.models import FACILITY_KINDS, Facility, Town
from shared.errors import DomainError
from shared.normalize import message


def check_dates(state: str, started_on, completed_on, today: dt.date) -> None:
    """Dates follow the state: none has none; in progress has a start and no completion;
    ready has a completion (and, if given, a start before it); none lies in the future."""
    errors: dict[str, list[str]] = {}
    if state == "none":
        not_built = message("未建的设施不填", "not for a facility that does not exist")
        if started_on is not None:
            errors["started_on"] = [not_built]
        if completed_on is not None:
            errors["completed_on"] = [not_built]
    elif state == "in_progress":
        if started_on is None:
            errors["started_on"] = [message("在建时必填", "required when in progress")]
        if completed_on is not None:
            errors["completed_on"] = [message("建成时才填", "only when ready")]
    elif completed_on is None:
        errors["completed_on"] = [message("建成时必填", "required when ready")]
    for key, value in (("started_on", started_on), ("completed_on", completed_on)):
        if value is not None and value > today and key not in errors:
            errors[key] = [message("不能晚于今天", "not in the future")]
    if started_on and completed_on and completed_on < started_on and "completed_on" not in errors:
        errors["completed_on"] = [message("不能早于开工日期", "not before started_on")]
    if errors:
        raise DomainError(message("日期与建设状况不符", "the dates do not fit the state"), errors)


def set_state(
    session: Session, town_id: int, kind: str, data: dict, *, today: dt.date, by: str
) -> Facility:
    """Record the state of one facility of a town."""
    state = data["state"]
    started_on, completed_on = data.get("started_on"), data.get("completed_on")
    check_dates(state, started_on, completed_on, today)
    row = session.scalar(
        sa.select(Facility)
        .where(Facility.town_id == town_id, Facility.kind == kind)
        .with_for_update()
    )
    if row is None:
        row = Facility(town_id=town_id, kind=kind)
        session.add(row)
    row.state, row.started_on, row.completed_on, row.updated_by = (
        state,
        started_on,
        completed_on,
        by,
    )
    session.flush()
    return row


def town_states(session: Session, town_ids: list[int]) -> list[dict]:
    """Each town's five facilities (a facility never recorded is ``none``)."""
    towns = session.scalars(sa.select(Town).where(Town.id.in_(town_ids)).order_by(Town.id)).all()
    rows = session.scalars(sa.select(Facility).where(Facility.town_id.in_(town_ids))).all()
    by_town: dict[int, dict[str, Facility]] = {}
    for row in rows:
        by_town.setdefault(row.town_id, {})[row.kind] = row
    result = []
    for town in towns:
        known = by_town.get(town.id, {})
        facilities = []
        for kind in FACILITY_KINDS:
            row = known.get(kind)
            facilities.append(
                {
                    "kind": kind,
                    "state": row.state if row else "none",
                    "started_on": row.started_on if row else None,
                    "completed_on": row.completed_on if row else None,
                }
            )
        ready = sum(1 for f in facilities if f["state"] == "ready")
        result.append(
            {
                "town_id": town.id,
                "town_name": town.name,
                "facilities": facilities,
                "ready": ready,
                "in_progress": sum(1 for f in facilities if f["state"] == "in_progress"),
                "rate": round(ready / len(FACILITY_KINDS), 4),
            }
        )
    return result


def overview(session: Session) -> dict:
    """The city-wide completion: per town, and overall (ready facilities out of five per
    town); ``complete_towns`` have all five ready."""
    town_ids = list(session.scalars(sa.select(Town.id)))
    towns = town_states(session, town_ids)
    total = len(towns) * len(FACILITY_KINDS)
    ready = sum(t["ready"] for t in towns)
    per_kind = {
        kind: sum(
            1 for t in towns for f in t["facilities"] if f["kind"] == kind and f["state"] == "ready"
        )
        for kind in FACILITY_KINDS
    }
    return {
        "towns": towns,
        "town_count": len(towns),
        "complete_towns": sum(1 for t in towns if t["ready"] == len(FACILITY_KINDS)),
        "ready": ready,
        "total": total,
        "rate": round(ready / total, 4) if total else 0.0,
        "ready_by_kind": per_kind,
    }
