"""Notifier's event handlers: every event. Roster's and mentorship's keep the projections
that resolve recipients (people, trainees, accounts, mentor assignments); then each event's
rule (``services.notifier.domain.rules.RULES``) turns it into notification rows, and it is
queued for the webhooks that asked for it."""

from __future__ import annotations

from services.notifier.domain import notify
from services.notifier.models import PROJECTIONS
from shared.consumer import compose_handlers

HANDLERS = compose_handlers(
    {
        **PROJECTIONS.handlers(),
        "account.created": notify.on_account,
        "account.updated": notify.on_account,
    },
    notify.EVENT_HANDLERS,
)
