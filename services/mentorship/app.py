"""``create_app``: mentorship's Flask app (gunicorn: ``services.mentorship.app:create_app()``)."""

from __future__ import annotations

from services.mentorship.api import BLUEPRINTS
from services.mentorship.config import Config
from services.mentorship.models import PROJECTIONS, IdempotencyKey, Outbox
from shared.db import Database
from shared.runtime import service_app


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the mentorship app for ``config`` (default: from the environment)."""
    return service_app(
        "mentorship",
        config or Config(),
        db,
        title="Grassroots mentorship",
        description="Mentor assignments (导师), coverage, talks (谈心谈话), one talk a month "
        "(一月一谈), training and study, key projects and showcases.",
        blueprints=BLUEPRINTS,
        outbox_model=Outbox,
        idempotency_model=IdempotencyKey,
        revocation_model=PROJECTIONS.revocation,
    )
