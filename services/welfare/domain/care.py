"""Welfare's rules: care — reactions to roster's events. A trainee who moves to another
town, completes the training or withdraws has their turnover housing flagged for release;
a town clerk releases it (with the real end date)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.welfare.domain import housing

#: Statuses that end a trainee's stay, hence their bed.
LEAVING = {"completed": "培训结束（completed）", "withdrawn": "退出（withdrawn）"}


def on_placed(session: Session, envelope: dict) -> None:
    """A placement in another town: the bed in the old town is to be released."""
    payload = envelope["payload"]
    previous = payload.get("previous_town_id")
    if previous is not None and previous != payload["town_id"]:
        housing.flag_for_release(
            session, payload["trainee_id"], f"调往其他镇（town {payload['town_id']}）"
        )


def on_status_changed(session: Session, envelope: dict) -> None:
    """Completion or withdrawal: the bed is to be released."""
    payload = envelope["payload"]
    reason = LEAVING.get(payload["to_status"])
    if reason is not None:
        housing.flag_for_release(session, payload["trainee_id"], reason)


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "trainee.placed": on_placed,
    "trainee.status_changed": on_status_changed,
}
