"""Welfare's event handlers: roster's events keep the projections and the placement history
and create placement-fee entitlements; mentorship's keep the mentor projection;
reporting's ``calendar.updated`` keeps welfare's copy of the working-day calendar."""

from __future__ import annotations

from services.welfare.domain import calendar, fees, housing, subsidies
from services.welfare.models import PROJECTIONS
from shared.consumer import compose_handlers

HANDLERS = compose_handlers(
    subsidies.with_placement_history(PROJECTIONS.handlers()),
    fees.EVENT_HANDLERS,
    subsidies.EVENT_HANDLERS,
    housing.EVENT_HANDLERS,
    calendar.EVENT_HANDLERS,
)
