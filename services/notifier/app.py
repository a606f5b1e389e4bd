"""``create_app``: notifier's Flask app (gunicorn: ``services.notifier.app:create_app()``)."""

from __future__ import annotations

from services.notifier.api import BLUEPRINTS
from services.notifier.config import Config
from services.notifier.models import Outbox
from shared.bus import Bus
from shared.db import Database, init_app_db
from shared.http import build_app
from shared.observability import OUTBOX_BACKLOG
from shared.outbox import backlog


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the notifier app for ``config`` (default: from the environment)."""
    config = config or Config()
    db = db or Database(config.DATABASE_URL)
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        "notifier",
        config,
        title="Grassroots notifier",
        description="Notification rules, each person's in-app inbox, e-mail (SMTP), SMS (HTTP "
        "gateway), HMAC-signed webhooks for towns' and units' own systems, the delivery "
        "log and preferences.",
        ready_checks=[database, broker],
    )
    init_app_db(app, db)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions.setdefault("metrics_hooks", []).append(
        lambda: OUTBOX_BACKLOG.labels("notifier").set(backlog(db, Outbox))
    )
    return app
