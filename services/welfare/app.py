"""``create_app``: welfare's Flask app (gunicorn: ``services.welfare.app:create_app()``)."""

from __future__ import annotations

from services.welfare.api import BLUEPRINTS
from services.welfare.config import Config
from services.welfare.models import PROJECTIONS, IdempotencyKey, Outbox
from shared.db import Database
from shared.runtime import service_app


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the welfare app for ``config`` (default: from the environment)."""
    return service_app(
        "welfare",
        config or Config(),
        db,
        title="Grassroots welfare",
        description="Subsidy policy and monthly subsidies (到村补贴), the one-time placement fee "
        "(一次性安置费), the money ledger, turnover housing (周转房), the five small facilities "
        "(五小), care visits (走访慰问) and the needs register (思想动态与实际需求).",
        blueprints=BLUEPRINTS,
        outbox_model=Outbox,
        idempotency_model=IdempotencyKey,
        revocation_model=PROJECTIONS.revocation,
    )
