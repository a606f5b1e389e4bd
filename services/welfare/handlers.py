"""Welfare's event handlers: roster's events keep the projections and create placement-fee
entitlements; mentorship's keep the mentor projection."""

from __future__ import annotations

from services.welfare.domain import care, money
from services.welfare.models import PROJECTIONS
from shared.consumer import compose_handlers

HANDLERS = compose_handlers(
    PROJECTIONS.handlers(),
    money.EVENT_HANDLERS,
    care.EVENT_HANDLERS,
)
