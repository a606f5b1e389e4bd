"""Reporting's event handlers: roster's and mentorship's events keep the projections;
mentorship's and welfare's events feed the dashboards and the mentoring form."""

from __future__ import annotations

from services.reporting.domain import oversight, reports
from services.reporting.models import PROJECTIONS
from shared.consumer import compose_handlers

HANDLERS = compose_handlers(
    PROJECTIONS.handlers(),
    reports.EVENT_HANDLERS,
    # Also mentorship's assignments (``mentor_assignment``, with the dates the dashboard
    # needs), which ``PROJECTIONS`` leaves to reporting.
    oversight.EVENT_HANDLERS,
)
