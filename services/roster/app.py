"""``create_app``: roster's Flask app (gunicorn: ``services.roster.app:create_app()``)."""

from __future__ import annotations

from services.roster.api import BLUEPRINTS
from services.roster.config import Config
from services.roster.models import Outbox
from shared.bus import Bus
from shared.db import Database, init_app_db
from shared.http import build_app
from shared.observability import OUTBOX_BACKLOG
from shared.outbox import backlog


def create_app(config: Config | None = None, db: Database | None = None):
    """Build the roster app for ``config`` (default: from the environment)."""
    config = config or Config()
    db = db or Database(config.DATABASE_URL)
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        "roster",
        config,
        title="Grassroots roster",
        description="Towns, villages, units, people, trainees (选调生), placements, accounts "
        "and tokens. Errors are application/problem+json; lists are paginated.",
        ready_checks=[database, broker],
    )
    init_app_db(app, db)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions.setdefault("metrics_hooks", []).append(
        lambda: OUTBOX_BACKLOG.labels("roster").set(backlog(db, Outbox))
    )
    return app
