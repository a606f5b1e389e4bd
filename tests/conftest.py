"""Fixtures: a fresh database per test (SQLite, or a new PostgreSQL database on the local
server), unique RabbitMQ names per test, tokens of each role, and waiting helpers.

PostgreSQL and RabbitMQ are the local ones (127.0.0.1), or testcontainers where Docker
runs. Under ``CI=true`` a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from shared import migrate
from shared.auth import issue_token
from shared.clock import CLOCK_FILE_ENV, parse_moment, travel_to, utcnow
from shared.config import dev_keys
from shared.db import Database

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_containers: list = []

#: Every test world's city. Test modules take "today" there once, at import.
CITY_ZONE = ZoneInfo("Asia/Shanghai")

#: The moment a test run starts at, unless ``TEST_CLOCK_AT`` says otherwise: the middle
#: of a quarter's last month (the quarterly report is owed but not yet due). The run's
#: clock starts there and runs on; ``make test-calendar`` runs the suite at the other
#: moments of the year that have broken it (see the Makefile).
DEFAULT_CLOCK_AT = "2026-12-15T10:00:00+08:00"


def _pin_clock() -> None:
    """Start every clock that reads ``shared.clock`` — this process's and those of the
    services the tests start, which inherit ``GRASSROOTS_CLOCK_FILE`` — at the pinned
    moment (``TEST_CLOCK_AT``, default :data:`DEFAULT_CLOCK_AT`); ``TEST_CLOCK_AT=now``
    keeps the real clock. A run that set its own clock file keeps it."""
    if os.environ.get("GRASSROOTS_CLOCK_FILE"):
        return
    wanted = os.environ.get("TEST_CLOCK_AT", DEFAULT_CLOCK_AT).strip()
    if wanted == "now":
        _keep_one_city_day()
        return
    moment = parse_moment(wanted, CITY_ZONE.key)
    _write_clock_file((moment - dt.datetime.now(dt.UTC)).total_seconds())


def _write_clock_file(seconds: float) -> None:
    folder = tempfile.mkdtemp(prefix="grassroots-clock-")
    path = Path(folder) / "offset"
    path.write_text(f"{seconds:.3f}\n", encoding="utf-8")
    os.environ["GRASSROOTS_CLOCK_FILE"] = str(path)
    atexit.register(lambda: (path.unlink(missing_ok=True), os.rmdir(folder)))


def _keep_one_city_day(margin: dt.timedelta = dt.timedelta(hours=1)) -> None:
    """On the real clock: start the run just after the city's midnight when it would
    otherwise cross it.

    Test modules take the city's date once, at import, and the services take it at each
    request: a run that crosses midnight in Shanghai (16:00 UTC) would compare yesterday's
    dates with today's. Within ``margin`` of midnight (or when TEST_CLOCK_PAST_MIDNIGHT=1
    asks for it, to check that the jump itself breaks nothing) every clock that reads
    ``shared.clock`` is moved forward past midnight, by at most ``margin`` (tokens
    follow it too).
    """
    now = dt.datetime.now(CITY_ZONE)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), CITY_ZONE)
    forced = os.environ.get("TEST_CLOCK_PAST_MIDNIGHT") == "1"
    if midnight - now > margin and not forced:
        return
    _write_clock_file((midnight - now).total_seconds() + 30)


_pin_clock()


def _evidence_dir() -> None:
    """Evidence the services under test store goes to a folder of the run's own (removed
    at its end), not the checkout's ``var/evidence``; a test that counts files sets its
    own ``EVIDENCE_DIR``."""
    if os.environ.get("EVIDENCE_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="grassroots-evidence-")
    os.environ["EVIDENCE_DIR"] = folder
    atexit.register(shutil.rmtree, folder, True)


_evidence_dir()


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{service} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing service is a failure)")
    pytest.skip(message)


def _docker_available() -> bool:
    return Path("/var/run/docker.sock").exists()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL with the right to create databases."""
    if (
        not _reachable("127.0.0.1", 5432)
        and _docker_available()
        and "TEST_PG_URL" not in os.environ
    ):
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15", driver="psycopg")
        container.start()
        _containers.append(container)
        return container.get_connection_url()
    _require("PostgreSQL", "127.0.0.1", 5432)
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The RabbitMQ to test against."""
    if (
        not _reachable("127.0.0.1", 5672)
        and _docker_available()
        and "TEST_AMQP_URL" not in os.environ
    ):
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.10")
        container.start()
        _containers.append(container)
        params = container.get_connection_params()
        return f"amqp://guest:guest@{params.host}:{params.port}//"
    _require("RabbitMQ", "127.0.0.1", 5672)
    return AMQP_URL


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """A module marked ``xdist_group`` shares its fixtures (a started system, a database
    built test by test) on one worker; a pytest that drops the group (pytest 9 with
    pytest-xdist 3.8 does, silently) would split it, so the run stops instead."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        marker = item.get_closest_marker("xdist_group")
        if marker and "@" not in item.nodeid:
            raise pytest.UsageError(
                f"pytest {pytest.__version__} ignores pytest-xdist's groups ({item.nodeid}): "
                "install the versions pyproject.toml pins (make test does)"
            )


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    """Under CI nothing is skipped silently: every skip is noted and fails the run."""
    if IN_CI and report.skipped:
        _skipped.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session, exitstatus):
    for container in _containers:
        container.stop()
    if _skipped and not hasattr(session.config, "workerinput"):
        print("\nCI=true and tests were skipped (nothing may be):", *_skipped, sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _fresh_database(pg_admin_url: str):
    """A new, empty PostgreSQL database's URL, dropped when the generator ends."""
    name = f"gr_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_admin_url):
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    yield from _fresh_database(pg_admin_url)


@pytest.fixture
def other_pg_url(pg_admin_url):
    """A second one, for the same events applied another way (batches against one by one)."""
    yield from _fresh_database(pg_admin_url)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def names():
    """Exchange and queue prefix unique to this test."""
    tag = uuid.uuid4().hex[:10]
    return {"EVENTS_EXCHANGE": f"test.{tag}.events", "QUEUE_PREFIX": f"test.{tag}"}


@pytest.fixture
def rabbit_cleanup(amqp_url, names):
    """Deletes every queue and exchange of this test's names afterwards."""
    yield
    from kombu import Connection

    with Connection(amqp_url) as conn:
        channel = conn.channel()
        for queue in _queues_with_prefix(names["QUEUE_PREFIX"]):
            try:
                channel.queue_delete(queue)
            except Exception:  # noqa: BLE001 - already gone
                channel = conn.channel()
        # The events exchange, and the one kombu declares for each service queue under
        # the queue's own name (``<prefix>.<service>``).
        for exchange in {
            names["EVENTS_EXCHANGE"],
            *_with_prefix("exchanges", names["QUEUE_PREFIX"]),
        }:
            try:
                channel.exchange_delete(exchange)
            except Exception:  # noqa: BLE001 - already gone
                channel = conn.channel()


def _queues_with_prefix(prefix: str) -> list[str]:
    return _with_prefix("queues", prefix)


def _with_prefix(kind: str, prefix: str) -> list[str]:
    """The names of the broker's ``queues`` or ``exchanges`` that start with ``prefix``."""
    import subprocess

    try:
        out = subprocess.run(
            ["rabbitmqctl", f"list_{kind}", "name", "--quiet"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.splitlines() if line.strip().startswith(prefix)]


KEYS = dev_keys()


def make_token(role: str, scope_id: int | None = None, subject: str = "1", **overrides) -> str:
    """A token as roster would issue it (tests sign with the development key)."""
    return issue_token(
        KEYS[0],
        subject=subject,
        role=role,
        scope_id=scope_id,
        name=overrides.get("name", ""),
        issuer=overrides.get("issuer", "grassroots-roster"),
        audience=overrides.get("audience", "grassroots"),
        # long enough for a whole run: module-level tokens are made at collection time
        ttl_seconds=overrides.get("ttl_seconds", 24 * 3600),
    )


def now_seconds() -> int:
    """Now on ``shared.clock`` in seconds since the epoch, for a token's ``iat``/``nbf``/
    ``exp`` (the services check them against that clock, not the real one)."""
    return int(utcnow().timestamp())


def auth(role: str, scope_id: int | None = None) -> dict:
    """Authorization header for a role and scope."""
    return {"Authorization": f"Bearer {make_token(role, scope_id)}"}


@pytest.fixture
def travel(tmp_path, monkeypatch):
    """``travel(moment)`` moves every ``shared.clock`` reader of this process (the services
    under test in it) to ``moment`` (aware, or a date: 10:00 in the city) for the rest of
    the test (a clock file of its own; the run's is restored after it). Tokens made before
    the move were issued on the run's clock: make them after it (``auth(...)``)."""
    path = tmp_path / "travel-clock"
    # until the first move, the test's clock is the run's (pinned) one, not the real one
    travel_to(path, utcnow())
    monkeypatch.setenv(CLOCK_FILE_ENV, str(path))

    def to(moment: dt.datetime | dt.date) -> None:
        if not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time(10), CITY_ZONE)
        travel_to(path, moment)

    return to


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02, message: str = ""):
    """Poll until ``predicate()`` is truthy (returns its value) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met in {timeout}s")
        time.sleep(interval)


def migrated(spec, url: str) -> Database:
    """Upgrade ``url`` to ``spec``'s schema and open it, with the service's settings."""
    migrate.upgrade(spec.migrations_dir, url)
    return Database(url, settings=spec.config(DATABASE_URL=url))
