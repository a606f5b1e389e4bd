"""Welfare's rules: care — reactions to roster's events. A trainee who moves to another
town, completes the training or withdraws has their turnover housing flagged for release,
with the day they left by roster's record (the move's start date, the status change's
effective date: a back-dated change keeps its date); a town clerk releases it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.welfare.domain import housing
from shared.consumer import payload_key, set_based

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
        housing.flag_for_release(session, payload["trainee_id"], reason, payload["start_date"])


def on_placed_many(session: Session, envelopes: list[dict]) -> list[None]:
    """:func:`on_placed` for a run of events about distinct trainees: the moved trainees'
    beds looked up and flagged together (nothing at all when no one changed town)."""
    reasons = {
        payload["trainee_id"]: (reason, payload["start_date"])
        for payload in (e["payload"] for e in envelopes)
        if (reason := _moved(payload)) is not None
    }
    housing.flag_many_for_release(session, reasons)
    return [None] * len(envelopes)


def on_status_changed(session: Session, envelope: dict) -> None:
    """Completion or withdrawal: the bed is to be released."""
    payload = envelope["payload"]
    reason = LEAVING.get(payload["to_status"])
    if reason is not None:
        housing.flag_for_release(session, payload["trainee_id"], reason, payload["effective_date"])


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "trainee.placed": set_based(on_placed, on_placed_many, payload_key("trainee_id")),
    "trainee.status_changed": on_status_changed,
}
