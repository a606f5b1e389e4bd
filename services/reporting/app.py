"""``create_app``: reporting's Flask app (gunicorn: ``services.reporting.app:create_app()``)."""

from __future__ import annotations

from services.reporting.api import BLUEPRINTS
from services.reporting.config import Config
from services.reporting.models import PROJECTIONS, IdempotencyKey, Outbox
from shared.db import Database
from shared.runtime import service_app


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the reporting app for ``config`` (default: from the environment)."""
    return service_app(
        "reporting",
        config or Config(),
        db,
        title="Grassroots reporting",
        description="Periods and deadlines, the effectiveness form (基层锻炼工作成效表), "
        "the mentoring form "
        "(导师制落实情况（谈心谈话）表), the quarterly report (一季一报), review, "
        "the duty list (责任清单), "
        "supervision, dashboards, assessment (组织工作考核) and exports.",
        blueprints=BLUEPRINTS,
        outbox_model=Outbox,
        idempotency_model=IdempotencyKey,
        revocation_model=PROJECTIONS.revocation,
    )
