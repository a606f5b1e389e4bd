"""``create_app``: notifier's Flask app (gunicorn: ``services.notifier.app:create_app()``)."""

from __future__ import annotations

from services.notifier.api import BLUEPRINTS
from services.notifier.config import Config
from services.notifier.models import PROJECTIONS, IdempotencyKey
from shared.db import Database
from shared.runtime import service_app


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the notifier app for ``config`` (default: from the environment)."""
    return service_app(
        "notifier",
        config or Config(),
        db,
        title="Grassroots notifier",
        description="Notification rules, each person's in-app inbox, e-mail (SMTP), SMS (HTTP "
        "gateway), HMAC-signed webhooks for towns' and units' own systems, the delivery "
        "log and preferences.",
        blueprints=BLUEPRINTS,
        outbox_model=None,  # it publishes nothing
        idempotency_model=IdempotencyKey,
        revocation_model=PROJECTIONS.revocation,
    )
