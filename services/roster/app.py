"""``create_app``: roster's Flask app (gunicorn: ``services.roster.app:create_app()``)."""

from __future__ import annotations

from services.roster.api import BLUEPRINTS
from services.roster.api.auth import init_limits
from services.roster.config import Config
from services.roster.models import IdempotencyKey, Outbox, TokenRevocation
from shared.db import Database
from shared.runtime import service_app


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the roster app for ``config`` (default: from the environment)."""
    app = service_app(
        "roster",
        config or Config(),
        db,
        title="Grassroots roster",
        description="Towns, villages, units, people, trainees (选调生), placements, accounts "
        "and tokens. Errors are application/problem+json; lists are paginated.",
        blueprints=BLUEPRINTS,
        outbox_model=Outbox,
        idempotency_model=IdempotencyKey,
        revocation_model=TokenRevocation,
        revocation_direct=True,
    )
    init_limits(app)
    return app
