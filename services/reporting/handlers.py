"""Reporting's event handlers: roster's and mentorship's events keep the projections;
mentorship's and welfare's events feed the dashboards and the mentoring form."""

from __future__ import annotations

from services.reporting.domain import oversight, reports
from services.reporting.models import PROJECTIONS
from shared.consumer import compose_handlers

HANDLERS = compose_handlers(
    PROJECTIONS.handlers(),
    reports.EVENT_HANDLERS,
    oversight.EVENT_HANDLERS,
    # The dashboard records each seat's dates itself, also when a release overtook its
    # assignment (the projection then has nothing new to say about the assignment).
    always=("mentor.assigned", "mentor.released"),
)
