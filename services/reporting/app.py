"""``create_app``: reporting's Flask app (gunicorn: ``services.reporting.app:create_app()``)."""

from __future__ import annotations

from services.reporting.api import BLUEPRINTS
from services.reporting.config import Config
from services.reporting.models import Outbox
from shared.bus import Bus
from shared.db import Database, init_app_db
from shared.http import build_app
from shared.observability import OUTBOX_BACKLOG
from shared.outbox import backlog


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the reporting app for ``config`` (default: from the environment)."""
    config = config or Config()
    db = db or Database(config.DATABASE_URL)
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        "reporting",
        config,
        title="Grassroots reporting",
        description="Periods and deadlines, the effectiveness form (基层锻炼工作成效表), "
        "the mentoring form "
        "(导师制落实情况表), the quarterly report (一季一报), review, the duty list (责任清单), "
        "supervision, dashboards, assessment (组织工作考核) and exports.",
        ready_checks=[database, broker],
    )
    init_app_db(app, db)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions.setdefault("metrics_hooks", []).append(
        lambda: OUTBOX_BACKLOG.labels("reporting").set(backlog(db, Outbox))
    )
    return app
