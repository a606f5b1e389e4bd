"""``create_app``: welfare's Flask app (gunicorn: ``services.welfare.app:create_app()``)."""

from __future__ import annotations

from services.welfare.api import BLUEPRINTS
from services.welfare.config import Config
from services.welfare.models import Outbox
from shared.bus import Bus
from shared.db import Database, init_app_db
from shared.http import build_app
from shared.observability import OUTBOX_BACKLOG
from shared.outbox import backlog


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the welfare app for ``config`` (default: from the environment)."""
    config = config or Config()
    db = db or Database(config.DATABASE_URL)
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        "welfare",
        config,
        title="Grassroots welfare",
        description="Subsidy policy and monthly subsidies (到村补贴), the one-time placement fee "
        "(一次性安置费), the money ledger, turnover housing (周转房), the five small facilities "
        "(五小), care visits (走访慰问) and the needs register (思想动态与实际需求).",
        ready_checks=[database, broker],
    )
    init_app_db(app, db)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions.setdefault("metrics_hooks", []).append(
        lambda: OUTBOX_BACKLOG.labels("welfare").set(backlog(db, Outbox))
    )
    return app
