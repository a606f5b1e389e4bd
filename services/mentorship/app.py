"""``create_app``: mentorship's Flask app (gunicorn: ``services.mentorship.app:create_app()``)."""

from __future__ import annotations

from services.mentorship.api import BLUEPRINTS
from services.mentorship.config import Config
from services.mentorship.models import Outbox
from shared.bus import Bus
from shared.db import Database, init_app_db
from shared.http import build_app
from shared.observability import OUTBOX_BACKLOG
from shared.outbox import backlog


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the mentorship app for ``config`` (default: from the environment)."""
    config = config or Config()
    db = db or Database(config.DATABASE_URL)
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        "mentorship",
        config,
        title="Grassroots mentorship",
        description="Mentor assignments (导师), coverage, talks (谈心谈话), one talk a month "
        "(一月一谈), training and study, key projects and showcases.",
        ready_checks=[database, broker],
    )
    init_app_db(app, db)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions.setdefault("metrics_hooks", []).append(
        lambda: OUTBOX_BACKLOG.labels("mentorship").set(backlog(db, Outbox))
    )
    return app
