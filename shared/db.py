"""SQLAlchemy 2 engine and sessions per app, and column types that behave the same on
PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker

from shared.clock import utcnow  # noqa: F401 - re-exported: models default to it


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps stored in UTC and always returned aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC timestamp")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: Each service declares ``class Base(DeclarativeBase)`` (its own metadata: its own
#: database) with ``type_annotation_map = TYPE_ANNOTATION_MAP``, so that every
#: ``Mapped[datetime]`` column is stored in UTC.
TYPE_ANNOTATION_MAP = {dt.datetime: UTCDateTime()}


#: How long a SQLite connection waits for another's write lock before "database is
#: locked" (answered 503 with Retry-After by the web tier).
SQLITE_BUSY_TIMEOUT_SECONDS = 30
#: How long connecting to PostgreSQL may take before it counts as unavailable (a URL's own
#: ``?connect_timeout=`` wins); without it a blackholed server holds a web worker until
#: gunicorn kills it, instead of a 503.
CONNECT_TIMEOUT_SECONDS = 5
#: How long a request waits for a pooled connection before it counts as unavailable.
POOL_TIMEOUT_SECONDS = 10


def make_engine(url: str, **kwargs) -> sa.Engine:
    """An engine tuned for the URL's database.

    SQLite (embedded default) is shared by the web threads, the relay and the consumer
    of one process: WAL and a busy timeout let them take turns instead of failing.
    """
    if url.startswith("sqlite"):
        busy = SQLITE_BUSY_TIMEOUT_SECONDS
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy's "begin" below issue BEGIN itself (the driver's own
            # transaction handling skips SELECTs and defers locks).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.close()

        # BEGIN IMMEDIATE takes the write lock up front, so that the web threads, the
        # relay and the consumer of the embedded process queue instead of deadlocking.
        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    if "connect_timeout" not in sa.engine.make_url(url).query:
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    engine = sa.create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


#: A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it has been idle for a while.

    ``pool_pre_ping`` costs a round trip (``SELECT 1``) on every checkout, one per
    request: under month-end load 14 % of a submission's time (py-spy, see
    docs/performance.md). A connection in steady use is checked out again within
    milliseconds and needs no ping; one that sat idle (the database may have restarted
    meanwhile) is pinged, and a dead one is replaced before anyone uses it. A restart in
    the middle of a burst fails the statements in flight either way; SQLAlchemy then
    invalidates the whole pool, so the next checkouts reconnect."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool discards this connection and checks out another (a new one)
            raise sa.exc.DisconnectionError(f"idle connection is gone: {exc}") from exc


def big_integer() -> sa.types.TypeEngine:
    """A BIGINT column type, INTEGER on SQLite (whose only autoincrementing key is an
    INTEGER PRIMARY KEY): ids and amounts that may pass 2^31."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class RequestSession(Session):
    """A session whose ``commit()`` can be held: while ``info["hold_commit"]`` is set, a
    commit only flushes (and notes ``info["commit_held"]``), and the transaction stays
    open for whoever set the flag to commit it, together with its own rows
    (``shared.idempotency`` stores a creating POST's answer in the same transaction as
    the object it created)."""

    def commit(self) -> None:
        if self.info.get("hold_commit"):
            self.flush()
            self.info["commit_held"] = True
            return
        super().commit()


class Database:
    """One service's database: its engine, a session factory, and the service's settings.

    The settings are how handlers and domain code reach the service's configuration (the
    city's time zone, capacities, limits): :func:`settings_of` on any of this database's
    sessions, in a request or in the consumer alike. The entry points build them once
    (``spec.database(config)``, a bootstrap); nothing below reads the environment."""

    def __init__(self, url: str, *, settings=None, **engine_kwargs) -> None:
        self.url = url
        self.settings = settings
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, class_=RequestSession, info={"database": self}
        )

    @classmethod
    def of(cls, config) -> Database:
        """The database of ``config`` (a service's settings), carrying them."""
        return cls(config.DATABASE_URL, settings=config)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL, where row locks (FOR UPDATE SKIP LOCKED) exist."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits as a whole, or rolls back on any error."""
        session = self.sessionmaker()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def settings_of(session: Session):
    """The settings of the service whose database ``session`` is on (see
    :class:`Database`)."""
    database = session.info.get("database")
    settings = database.settings if database is not None else None
    if settings is None:
        raise RuntimeError(
            "this session's Database carries no settings: build it with Database.of(config)"
        )
    return settings


def init_app_db(app: Flask, db: Database) -> None:
    """Attach ``db`` to the app: one session per request, closed at its end."""
    app.extensions["db"] = db

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def current_db() -> Database:
    """The database of the app handling this request."""
    from flask import current_app

    return current_app.extensions["db"]


def session() -> Session:
    """This request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_db().sessionmaker()
    return g.db_session


def upsert_statement(bind, model):
    """The dialect's ``INSERT`` with ``ON CONFLICT`` (PostgreSQL in production, SQLite in
    the embedded default) for a session's or a connection's (``bind``) database: one round
    trip where a read-then-write would take two."""
    dialect = bind.dialect if isinstance(bind, sa.Connection) else bind.get_bind().dialect
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def insert_new(session: Session, model, key: str, **values):
    """Insert a row of ``model`` unless one holds its ``key`` (a unique column) already,
    in one statement that two callers may run at once: the second waits for the first's
    commit on the key, then inserts nothing. The new row's primary key, or None."""
    statement = upsert_statement(session, model).values(**values)
    primary_key = sa.inspect(model).primary_key[0]
    return session.scalar(
        statement.on_conflict_do_nothing(index_elements=[key]).returning(primary_key)
    )


def excluded(insert, *names: str) -> dict:
    """An upsert's ``set_`` taking the columns ``names`` from the row it offered (the
    conflicting row's ``EXCLUDED`` values)."""
    return {name: insert.excluded[name] for name in names}


# -- several writes in one round trip ------------------------------------------------------


@functools.cache
def insert_with_params(table: sa.Table, prefix: str, skip: tuple[str, ...] = ()) -> sa.Insert:
    """An INSERT of ``table`` whose values are the bind parameters ``<prefix><column>``
    (every column but ``skip``), so that several can be sent together
    (:func:`execute_together`) without their parameters meeting. Built once."""
    return sa.insert(table).values(
        {
            c.name: sa.bindparam(prefix + c.name, type_=c.type)
            for c in table.columns
            if c.name not in skip
        }
    )


def prefixed(prefix: str, row: dict) -> dict:
    """``row``'s values under the names of :func:`insert_with_params`."""
    return {prefix + key: value for key, value in row.items()}


_TOGETHER: dict[tuple, sa.Executable] = {}


def execute_together(session: Session, statements: tuple, params: dict) -> None:
    """Run independent writes (prebuilt statements whose bind parameters have distinct
    names) in this transaction: on PostgreSQL as ONE statement, the others as data-modifying
    CTEs of the last (they all run, in one snapshot, and fail or commit together); on
    SQLite one after the other. None of them may read what another writes."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not any(isinstance(s, sa.Insert) for s in statements):
        for statement in statements:
            conn.execute(statement, params)
        return
    key = tuple(map(id, statements))
    combined = _TOGETHER.get(key)
    if combined is None:
        # the main statement must be a construct (an INSERT); a text one can only be a CTE
        main = next(s for s in reversed(statements) if isinstance(s, sa.Insert))
        ctes = [
            (s if isinstance(s, sa.Insert) else s.columns()).cte(f"w{i}")
            for i, s in enumerate(statements)
            if s is not main
        ]
        combined = _TOGETHER[key] = main.add_cte(*ctes)
    conn.execute(combined, params)


def locked(session: Session, model, key):
    """The row of ``model`` at ``key`` locked (``FOR UPDATE``) and read afresh, or None:
    two requests that change it queue here, and the second sees what the first wrote."""
    return session.get(model, key, with_for_update=True, populate_existing=True)


def attach(session: Session, *objects) -> None:
    """Make objects whose rows were just written by Core statements persistent in the
    session as if loaded (no SQL): a caller may go on changing them through the ORM."""
    for obj in objects:  # all of them first: adding one cascades to those it refers to
        make_transient_to_detached(obj)
    session.add_all(objects)


def next_id(table: sa.Table) -> sa.ColumnElement:
    """In a SELECT on PostgreSQL: the next value of ``table``'s id sequence, drawn only when
    the row is produced (a scalar subquery), so that the INSERT of the row can be sent with
    its events, which name the id, in one statement. Ids drawn for a request that then
    fails are skipped, as a rolled-back INSERT's are."""
    return sa.select(
        sa.func.nextval(sa.func.pg_get_serial_sequence(table.name, "id"))
    ).scalar_subquery()
