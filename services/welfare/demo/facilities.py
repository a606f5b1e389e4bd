"""The demo's five small facilities, in mixed states."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import facilities
from services.welfare.models import FACILITY_KINDS, Town


def load(session: Session, towns: list[Town], today: dt.date) -> int:
    """Every town's five facilities, fewer ready town by town. Returns how many."""
    made = 0
    for index, town in enumerate(towns):
        # The first town has all five ready; the others fewer, so the overview varies.
        ready = max(0, len(FACILITY_KINDS) - 2 * index)
        for position, kind in enumerate(FACILITY_KINDS):
            if position < ready:
                data = {
                    "state": "ready",
                    "started_on": today - dt.timedelta(days=300),
                    "completed_on": today - dt.timedelta(days=120 - 10 * position),
                }
            elif position == ready:
                data = {"state": "in_progress", "started_on": today - dt.timedelta(days=45)}
            else:
                data = {"state": "none"}
            facilities.set_state(session, town.id, kind, data, today=today, by=BY)
            made += 1
    return made
