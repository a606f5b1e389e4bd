"""Turnover housing (周转房): a town's housing units, the beds given to trainees, and
idle-house conversion projects. Occupancy never exceeds beds: an allocation locks its
housing row before counting the active allocations, so that two clerks at once cannot
fill one bed twice; a trainee holds at most one active bed (a unique column).

Reactions to roster's events: a trainee who moves to another town, completes the training
or withdraws has their turnover housing flagged for release, with the day they left by
roster's record (the move's start date, the status change's effective date: a back-dated
change keeps its date); a town clerk releases it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from services.welfare.domain.common import emit
from services.welfare.models import Housing, HousingAllocation, HousingConversion, Trainee
from shared.consumer import payload_key, set_based
from shared.db import locked, utcnow
from shared.errors import Conflict, DomainError, NotFound, not_after_today, not_before, only_active
from shared.normalize import message

#: How far ahead an allocation may start (a bed is promised, not imagined).
MAX_DAYS_AHEAD = 30


def where(trainee: Trainee) -> dict:
    """The routing fields every trainee event carries."""
    return {
        "unit_id": trainee.unit_id,
        "town_id": trainee.town_id,
        "village_id": trainee.village_id,
    }


def occupied(session: Session, housing_ids: list[int]) -> dict[int, int]:
    """Active allocations per housing id."""
    if not housing_ids:
        return {}
    rows = session.execute(
        sa.select(HousingAllocation.housing_id, sa.func.count())
        .where(HousingAllocation.housing_id.in_(housing_ids), HousingAllocation.active.is_(True))
        .group_by(HousingAllocation.housing_id)
    )
    return dict(rows.all())


def create_housing(session: Session, town_id: int, data: dict) -> Housing:
    """A new housing unit of ``town_id``."""
    housing = Housing(town_id=town_id, **data)
    session.add(housing)
    session.flush()
    return housing


def update_housing(session: Session, housing_id: int, data: dict) -> Housing:
    """Change a housing unit; its beds never drop below the beds in use."""
    housing = locked(session, Housing, housing_id)
    if housing is None:
        raise NotFound(message("周转房不存在", "no such housing"))
    beds = data.get("beds", housing.beds)
    in_use = occupied(session, [housing.id]).get(housing.id, 0)
    if beds < in_use:
        raise DomainError.on(
            "beds",
            (
                f"已有 {in_use} 张床位在住，请先腾退再把床位减到 {beds} 张",
                f"{in_use} beds are in use; release allocations before reducing beds to {beds}",
            ),
            (f"不能少于在住的 {in_use} 张", f"at least {in_use} (beds in use)"),
        )
    for key, value in data.items():
        setattr(housing, key, value)
    session.flush()
    return housing


def delete_housing(session: Session, housing_id: int) -> None:
    """Remove a housing unit that never housed anyone (history is kept otherwise)."""
    housing = locked(session, Housing, housing_id)
    if housing is None:
        raise NotFound(message("周转房不存在", "no such housing"))
    used = session.scalar(
        sa.select(sa.func.count()).where(HousingAllocation.housing_id == housing_id)
    )
    if used:
        raise Conflict(
            message(
                "该周转房有过床位分配，须留存备查，不能删除",
                "this housing has allocations; it is kept for the record",
            )
        )
    session.delete(housing)
    session.flush()


def allocate(
    session: Session,
    housing_id: int,
    trainee_id: int,
    start_date: dt.date,
    *,
    today: dt.date,
    by: str,
) -> HousingAllocation:
    """Give a bed of ``housing_id`` to an active trainee placed in the housing's town.
    Announced as ``housing.allocated``."""
    # The lock serialises allocations of one housing: the count below then sees every
    # allocation committed before ours.
    housing = locked(session, Housing, housing_id)
    if housing is None:
        raise NotFound(message("周转房不存在", "no such housing"))
    trainee = session.get(Trainee, trainee_id)
    if trainee is None:
        raise DomainError.on(
            "trainee_id", ("选调生不存在", "no such trainee"), ("没有这名选调生", "unknown trainee")
        )
    only_active("trainee_id", trainee.status, ("分配床位", "get a bed"))
    if trainee.town_id != housing.town_id:
        raise DomainError.on(
            "trainee_id",
            (
                "该周转房不在选调生当前所在的镇（街道）",
                "the housing is not in the trainee's current town",
            ),
            ("未派驻到该周转房所在的镇（街道）", "not placed in this housing's town"),
        )
    if start_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        ahead = MAX_DAYS_AHEAD
        raise DomainError.on(
            "start_date",
            ("入住日期过晚", "the start date is too far ahead"),
            (f"最晚为 {ahead} 天之后", f"at most {ahead} days ahead"),
        )
    held = session.scalar(
        sa.select(HousingAllocation.id).where(
            HousingAllocation.trainee_id == trainee_id, HousingAllocation.active.is_(True)
        )
    )
    if held is not None:
        raise Conflict(
            message(
                f"该选调生已有床位（分配记录 {held}），请先腾退",
                f"the trainee already holds a bed (allocation {held}); release it first",
            )
        )
    in_use = occupied(session, [housing.id]).get(housing.id, 0)
    if in_use >= housing.beds:
        raise Conflict(
            message(
                f"没有空余床位：{housing.beds} 张床位已住 {in_use} 张",
                f"no vacant bed: {in_use} of {housing.beds} in use",
            )
        )
    allocation = HousingAllocation(
        housing_id=housing.id,
        trainee_id=trainee_id,
        active_trainee_id=trainee_id,
        active=True,
        start_date=start_date,
        allocated_by=by,
    )
    session.add(allocation)
    session.flush()
    emit(
        session,
        "housing.allocated",
        {
            "allocation_id": allocation.id,
            "trainee_id": trainee_id,
            "housing_id": housing.id,
            "start_date": start_date,
            **where(trainee),
        },
    )
    return allocation


def release(
    session: Session,
    allocation_id: int,
    end_date: dt.date,
    reason: str,
    *,
    today: dt.date,
    by: str,
) -> HousingAllocation:
    """Free the bed of an active allocation from ``end_date`` (not before its start, not
    in the future). Announced as ``housing.released``."""
    allocation = locked(session, HousingAllocation, allocation_id)
    if allocation is None:
        raise NotFound(message("床位分配记录不存在", "no such allocation"))
    if not allocation.active:
        raise Conflict(message("该床位已腾退", "this allocation is already released"))
    end = ("腾退日期", "end date")
    not_before("end_date", end_date, allocation.start_date, end, ("入住日期", "the start"))
    not_after_today("end_date", end_date, today, end)
    allocation.active = False
    allocation.active_trainee_id = None
    allocation.end_date = end_date
    allocation.release_reason = reason
    allocation.released_by = by
    session.flush()
    trainee = session.get(Trainee, allocation.trainee_id)
    emit(
        session,
        "housing.released",
        {
            "allocation_id": allocation.id,
            "trainee_id": allocation.trainee_id,
            "housing_id": allocation.housing_id,
            "end_date": end_date,
            "reason": reason[:200],
            **where(trainee),
        },
    )
    return allocation


def flag_for_release(
    session: Session, trainee_id: int, reason: str, left_on: dt.date | None = None
) -> bool:
    """Mark the trainee's active allocation for a clerk to release (never release it
    here: the town decides the end date), with the day the trainee left by roster's record
    (``left_on``: the event's date, not the day it was processed). True if an allocation
    was newly flagged; a repeated fact changes nothing."""
    allocation = session.scalar(
        sa.select(HousingAllocation)
        .where(HousingAllocation.trainee_id == trainee_id, HousingAllocation.active.is_(True))
        .with_for_update()
    )
    if allocation is None or allocation.flagged_for_release:
        return False
    allocation.flagged_for_release = True
    allocation.flag_reason = reason
    allocation.left_on = left_on
    allocation.flagged_at = utcnow()
    return True


def flag_many_for_release(session: Session, reasons: dict[int, tuple[str, dt.date]]) -> set[int]:
    """:func:`flag_for_release` for many trainees (``reasons``: trainee id to reason and
    the day they left) with one query: their active allocations locked, the unflagged ones
    flagged (the unit of work writes them together). The trainees whose allocation was
    newly flagged."""
    if not reasons:
        return set()
    allocations = session.scalars(
        sa.select(HousingAllocation)
        .where(HousingAllocation.trainee_id.in_(reasons), HousingAllocation.active.is_(True))
        .with_for_update()
        # Not the housing too (selectin, a second query): flagging never reads it.
        .options(lazyload(HousingAllocation.housing))
    )
    seen: set[int] = set()
    flagged: set[int] = set()
    now = utcnow()
    for allocation in allocations:
        if allocation.trainee_id in seen:
            continue  # one active bed per trainee; flag_for_release takes the first too
        seen.add(allocation.trainee_id)
        if allocation.flagged_for_release:
            continue
        allocation.flagged_for_release = True
        allocation.flag_reason, allocation.left_on = reasons[allocation.trainee_id]
        allocation.flagged_at = now
        flagged.add(allocation.trainee_id)
    return flagged


def check_conversion_dates(data: dict) -> None:
    """A conversion's dates follow its status: started when in progress or done, completed
    only when done, never completed before started."""
    status = data["status"]
    errors: dict[str, list[str]] = {}
    if status in ("in_progress", "done") and data.get("started_on") is None:
        errors["started_on"] = [message("开工后必填", "required once the work has started")]
    if status == "done" and data.get("completed_on") is None:
        errors["completed_on"] = [message("完工时必填", "required when done")]
    if status != "done" and data.get("completed_on") is not None:
        errors["completed_on"] = [message("完工时才填", "only when done")]
    if status != "done" and data.get("beds_gained"):
        errors["beds_gained"] = [message("完工后才有新增床位", "beds are gained only when done")]
    started, completed = data.get("started_on"), data.get("completed_on")
    if started and completed and completed < started:
        errors["completed_on"] = [message("不能早于开工日期", "not before started_on")]
    if errors:
        raise DomainError(message("日期与状态不符", "the dates do not fit the status"), errors)


def save_conversion(
    session: Session, conversion: HousingConversion | None, town_id: int, data: dict
) -> HousingConversion:
    """Create or change an idle-house conversion project."""
    merged = {}
    if conversion is not None:
        merged = {
            k: getattr(conversion, k)
            for k in ("status", "started_on", "completed_on", "beds_gained")
        }
    merged.update(data)
    check_conversion_dates(merged)
    if conversion is None:
        conversion = HousingConversion(town_id=town_id, **data)
        session.add(conversion)
    else:
        for key, value in data.items():
            setattr(conversion, key, value)
    session.flush()
    return conversion


# -- reactions to roster's events ---------------------------------------------------------


#: Statuses that end a trainee's stay, hence their bed.
LEAVING = {"completed": "培训结束（completed）", "withdrawn": "退出（withdrawn）"}


def _moved(payload: dict) -> str | None:
    """Why a placement frees the bed: a move from another town (else None)."""
    previous = payload.get("previous_town_id")
    if previous is not None and previous != payload["town_id"]:
        return f"调往其他镇（town {payload['town_id']}）"
    return None


def on_placed(session: Session, envelope: dict) -> None:
    """A placement in another town: the bed in the old town is to be released."""
    payload = envelope["payload"]
    reason = _moved(payload)
    if reason is not None:
        flag_for_release(session, payload["trainee_id"], reason, payload["start_date"])


def on_placed_many(session: Session, envelopes: list[dict]) -> list[None]:
    """:func:`on_placed` for a run of events about distinct trainees: the moved trainees'
    beds looked up and flagged together (nothing at all when no one changed town)."""
    reasons = {
        payload["trainee_id"]: (reason, payload["start_date"])
        for payload in (e["payload"] for e in envelopes)
        if (reason := _moved(payload)) is not None
    }
    flag_many_for_release(session, reasons)
    return [None] * len(envelopes)


def on_status_changed(session: Session, envelope: dict) -> None:
    """Completion or withdrawal: the bed is to be released."""
    payload = envelope["payload"]
    reason = LEAVING.get(payload["to_status"])
    if reason is not None:
        flag_for_release(session, payload["trainee_id"], reason, payload["effective_date"])


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "trainee.placed": set_based(on_placed, on_placed_many, payload_key("trainee_id")),
    "trainee.status_changed": on_status_changed,
}
