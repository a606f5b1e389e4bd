"""What the shared process entry points need to know about a service, and those entry
points: the relay, the consumer and the management commands.

Each service declares one :class:`ServiceSpec` in its ``spec.py``; its ``relay.py``,
``consumer.py`` and ``manage.py`` are one line each, calling the functions here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared import migrate
from shared.bus import Bus
from shared.clock import city_today
from shared.consumer import EventConsumer, parked_messages, replay_parked
from shared.db import Database
from shared.observability import configure_logging

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    """One service's pieces, for the shared entry points."""

    name: str
    config_class: type
    #: None for a service that publishes nothing (the notifier): no outbox, no relay
    outbox_model: type | None
    #: None for a service that consumes nothing (roster): no inbox, no consumer
    inbox_model: type | None
    handlers: dict
    migrations_dir: Path
    extra_commands: dict[str, Callable[[argparse.Namespace, object], int]] = field(
        default_factory=dict
    )
    #: Long-running loops besides web, relay and consumer (a scheduler, a delivery worker),
    #: as ``fn(config, db, stop)``: production runs each as its own process; the embedded
    #: default runs them as threads.
    background: dict[str, Callable[[object, Database, threading.Event], None]] = field(
        default_factory=dict
    )
    #: The consumer's ``finish`` (see ``shared.consumer.defer``): deferred work, done once
    #: per transaction for all its events.
    finish: Callable | None = None
    #: The ``idempotency_key`` table's model (``shared.idempotency``), for
    #: ``manage purge-idempotency-keys``.
    idempotency_model: type | None = None

    def config(self, **overrides):
        return self.config_class(**overrides)

    def database(self, config=None) -> Database:
        """The service's database for ``config`` (default: from the environment), carrying
        the settings its handlers read (``shared.db.settings_of``)."""
        return Database.of(config or self.config())

    def bus(self, config) -> Bus:
        return Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def consumer(self, config, db: Database, bus: Bus) -> EventConsumer:
        return EventConsumer(
            self.name,
            db,
            bus,
            self.inbox_model,
            self.handlers,
            retry_delays_ms=config.RETRY_DELAYS_MS,
            batch=config.CONSUMER_BATCH,
            finish=self.finish,
        )


def service_spec(
    config_class: type,
    models,
    handlers: dict,
    commands: dict,
    **more,
) -> ServiceSpec:
    """A service's :class:`ServiceSpec` as every service lays itself out: named by its
    settings (``config_class.SERVICE``), Alembic's migrations in ``migrations`` beside its
    ``models`` package, and the platform tables that package declares (``Outbox``,
    ``Inbox``, ``IdempotencyKey``: one without an ``Outbox`` publishes nothing, one without
    an ``Inbox`` consumes nothing). ``more``: the other fields."""
    return ServiceSpec(
        name=config_class.SERVICE,
        config_class=config_class,
        outbox_model=getattr(models, "Outbox", None),
        inbox_model=getattr(models, "Inbox", None),
        idempotency_model=getattr(models, "IdempotencyKey", None),
        handlers=handlers,
        migrations_dir=Path(models.__file__).parent.parent / "migrations",
        extra_commands=commands,
        **more,
    )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def consumer_main(spec: ServiceSpec) -> None:
    """``python -m services.<name>.consumer``: apply the service's events until stopped."""
    config = spec.config()
    configure_logging(f"{spec.name}-consumer", config.LOG_LEVEL)
    db = Database.of(config)
    stop = _stop_on_signals()
    log.info("consumer started for %d event types", len(spec.handlers))
    spec.consumer(config, db, spec.bus(config)).run(stop)
    log.info("consumer stopped")


def manage_main(spec: ServiceSpec, argv: list[str] | None = None) -> int:
    """``python -m services.<name>.manage``: migrate, parked list/replay, and the service's
    own commands."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{spec.name}.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    parked = sub.add_parser("parked", help="list or replay parked messages")
    parked.add_argument("action", choices=["list", "replay"])
    parked.add_argument("--id", help="replay only the message with this id")
    if spec.idempotency_model is not None:
        sub.add_parser(
            "purge-idempotency-keys", help="delete Idempotency-Key answers older than 24 hours"
        )
    for name, command in spec.extra_commands.items():
        p = sub.add_parser(name, help=(command.__doc__ or "").strip().splitlines()[0])
        for arg in getattr(command, "arguments", []):
            p.add_argument(*arg[0], **arg[1])
    args = parser.parse_args(argv)
    config = spec.config()
    configure_logging(f"{spec.name}-manage", config.LOG_LEVEL)
    if args.command == "migrate":
        migrate.upgrade(spec.migrations_dir, config.DATABASE_URL)
        print(f"{spec.name}: database at the newest schema")
        return 0
    if args.command == "purge-idempotency-keys":
        from shared.idempotency import purge_expired

        count = purge_expired(Database.of(config), spec.idempotency_model)
        print(f"{spec.name}: purged {count} expired idempotency key(s)")
        return 0
    if args.command == "parked":
        bus = spec.bus(config)
        if args.action == "list":
            for item in parked_messages(bus, spec.name):
                print(json.dumps(item, ensure_ascii=False))
            return 0
        count = replay_parked(bus, spec.name, args.id)
        print(f"{spec.name}: replayed {count} parked message(s)")
        return 0
    return spec.extra_commands[args.command](args, config)


def iso_date(text: str) -> dt.date:
    """A command line's date (argparse ``type``): YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD") from None


#: A command's ``--today`` (``command.arguments``): the city's date it acts for.
TODAY_ARGUMENT = (
    ("--today",),
    {"type": iso_date, "default": None, "help": "the city's date (default: now)"},
)


def tick_once(config, today: dt.date | None, tick: Callable[[Callable, dt.date], dict]) -> int:
    """A ``manage tick`` command's work: ``tick(sessionmaker, today)`` once, on the
    service's database, for ``today`` (default: the city's date now), and what it did
    printed as JSON."""
    db = Database.of(config)
    try:
        today = today or city_today(config.TIME_ZONE)
        done = tick(db.sessionmaker, today)
    finally:
        db.dispose()
    print(json.dumps({"today": today.isoformat(), **done}, ensure_ascii=False))
    return 0


def run(fn, spec: ServiceSpec) -> None:
    """Entry point helper for ``if __name__ == "__main__"``."""
    sys.exit(fn(spec) or 0)


def service_app(
    name: str,
    config,
    db: Database | None,
    *,
    title: str,
    description: str,
    blueprints: list,
    outbox_model: type | None,
    idempotency_model: type | None = None,
    revocation_model: type | None = None,
    revocation_direct: bool = False,
):
    """A service's Flask app on the shared conventions: its database, its blueprints,
    readiness of the database and the broker, the outbox backlog in ``/metrics``,
    ``Idempotency-Key`` on its creating POSTs (``idempotency_model``'s table), and the
    revocation list every token is checked against (``revocation_model``: the service's
    projection, read through a cache; roster's own table, read ``revocation_direct``ly)."""
    from shared.db import init_app_db
    from shared.db import session as request_session
    from shared.http import build_app
    from shared.observability import OUTBOX_BACKLOG
    from shared.outbox import backlog
    from shared.revocation import DirectRevocations, RevocationCache, table_loader

    # the app's settings are those its handlers and domain code see (shared.db.settings_of)
    if db is None:
        db = Database.of(config)
    else:
        db.settings = config
    bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)

    def database():
        db.ping()

    def broker():
        bus.ping()

    app, api = build_app(
        name, config, title=title, description=description, ready_checks=[database, broker]
    )
    init_app_db(app, db)
    if revocation_model is not None and revocation_direct:
        app.extensions["token_revocations"] = DirectRevocations(revocation_model, request_session)
    elif revocation_model is not None:
        app.extensions["token_revocations"] = RevocationCache(
            table_loader(db, revocation_model),
            refresh_seconds=config.REVOCATION_REFRESH_SECONDS,
            window=config.REVOCATION_WINDOW_SECONDS,
        )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    if idempotency_model is not None:
        from shared.idempotency import install

        install(app, idempotency_model)
    if outbox_model is not None:
        app.extensions.setdefault("metrics_hooks", []).append(
            lambda: OUTBOX_BACKLOG.labels(name).set(backlog(db, outbox_model))
        )
    return app


def app_factory(
    config_class: type,
    models,
    blueprints: list,
    description: str,
    *,
    setup: Callable[[object], None] | None = None,
) -> Callable[..., object]:
    """A service's ``create_app(config=None, db=None)`` as every service lays itself out:
    the :func:`service_app` of the service ``config_class.SERVICE`` names, titled after it,
    with the platform tables its ``models`` package declares (as :func:`service_spec` finds
    them: one without an ``Outbox`` publishes nothing; roster, which owns the revocations,
    reads its ``TokenRevocation`` directly, the others their projection of it).
    ``setup(app)``: what the service adds to its app."""
    name = config_class.SERVICE
    owned = getattr(models, "TokenRevocation", None)

    def create_app(config=None, db: Database | None = None):
        """The service's app for ``config`` (default: from the environment) on ``db``
        (default: the config's database)."""
        app = service_app(
            name,
            config or config_class(),
            db,
            title=f"Grassroots {name}",
            description=description,
            blueprints=blueprints,
            outbox_model=getattr(models, "Outbox", None),
            idempotency_model=getattr(models, "IdempotencyKey", None),
            revocation_model=owned or models.PROJECTIONS.revocation,
            revocation_direct=owned is not None,
        )
        if setup is not None:
            setup(app)
        return app

    return create_app
