"""The fault-injection harness: the whole production system (``deploy.stack.LocalStack``)
with its broker reached through a proxy the test can cut, a supervisor that restarts any
process that dies (as Docker's ``restart: unless-stopped`` does), a burst of changes over
HTTP, and a ledger that counts, like RabbitMQ's Jepsen tests, every event id of every
outbox against every inbox that should have applied it (lost, unexpected), and every
effect of those events in the read models and notifications that appears more than once
(duplicated, ``EFFECTS``)."""

from __future__ import annotations

import importlib
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection, Queue, binding

from deploy.stack import SERVICES, LocalStack
from shared.bus import Bus
from tests.chaos.proxy import TcpProxy

CONSUMERS = ("mentorship", "reporting", "welfare", "notifier")
#: the services with an outbox (the notifier publishes nothing)
PRODUCERS = ("roster", "mentorship", "reporting", "welfare")
#: event type -> the services that apply it (their consumers' handlers)
APPLIED_BY: dict[str, set[str]] = {}
for _service in CONSUMERS:
    for _type in importlib.import_module(f"services.{_service}.spec").SPEC.handlers:
        APPLIED_BY.setdefault(_type, set()).add(_service)

#: The effects the duplicated column counts: (service, what, ``FROM … GROUP BY …`` giving
#: one group of rows per effect). An effect is what one event does to a read model or the
#: notifications, grouped by what makes it one (a placement fee per trainee, a notification
#: per event, recipient and channel): rows the inbox's unique event id says nothing about,
#: some with no unique key of their own (the fee's audit row, a placement per roster's
#: placement id), so that an event applied twice shows here whatever stopped, or failed to
#: stop, it. ``:trainees`` and ``:events`` are the scenario's trainees and event ids.
EFFECTS: list[tuple[str, str, str]] = [
    ("welfare", "placement fees per trainee",
     "FROM placement_fee WHERE trainee_id IN :trainees GROUP BY trainee_id"),
    ("welfare", "entitlement audit rows per fee (no unique key)",
     "FROM money_audit WHERE entity = 'placement_fee' AND action = 'entitle'"
     " AND entity_id IN (SELECT id FROM placement_fee WHERE trainee_id IN :trainees)"
     " GROUP BY entity_id"),
    ("welfare", "placements per roster placement id (no unique key)",
     "FROM placement_history WHERE trainee_id IN :trainees GROUP BY placement_id"),
    ("welfare", "ledger entries per source",
     "FROM ledger_entry WHERE trainee_id IN :trainees GROUP BY kind, source_type, source_id"),
    ("reporting", "forms owed per trainee, period and kind",
     "FROM obligation WHERE trainee_id IN :trainees GROUP BY trainee_id, period_id, kind"),
    ("reporting", "talks kept per talk",
     "FROM report_talk WHERE trainee_id IN :trainees GROUP BY talk_id"),
    ("mentorship", "active seats per trainee and role",
     "FROM assignment WHERE active AND trainee_id IN :trainees GROUP BY trainee_id, role"),
    ("notifier", "notifications per event, recipient and channel",
     "FROM notification WHERE event_id IN :events GROUP BY event_id, recipient, channel"),
    ("notifier", "digest items per event and recipient",
     "FROM digest_item WHERE event_id IN :events GROUP BY event_id, recipient"),
]  # fmt: skip


def duplicate_effects(
    engines: dict[str, sa.Engine], trainees: list[int], events: list[str]
) -> dict[str, int]:
    """For each of ``EFFECTS`` (of the services in ``engines``), the rows beyond the first
    of each effect of ``trainees`` and ``events``: all 0 when every event took effect once."""
    values = {"trainees": list(trainees) or [0], "events": list(events) or [""]}
    out = {}
    for service, what, rows in EFFECTS:
        if service not in engines:
            continue
        names = [name for name in values if f":{name}" in rows]
        statement = sa.text(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n {rows}) effect"
        ).bindparams(*(sa.bindparam(name, expanding=True) for name in names))
        with engines[service].connect() as conn:
            out[what] = int(conn.execute(statement, {n: values[n] for n in names}).scalar())
    return out


#: Scenario rows printed at the end of the run (tests/chaos/conftest.py).
RESULTS: list[dict] = []


def http(method: str, url: str, body=None, token: str | None = None, timeout: float = 30):
    """(status, parsed JSON); a connection failure is status 0."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None
    except OSError:
        return 0, None


def call(
    method: str, url: str, body=None, token: str | None = None, headers=None, timeout: float = 30
):
    """(status, parsed JSON, response headers); a connection failure is status 0."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null"), exc.headers
        except ValueError:
            return exc.code, None, exc.headers
    except OSError:
        return 0, None, {}


@dataclass
class Answers:
    """Every answer the clients got: statuses, 503s without Retry-After, replays."""

    statuses: Counter = field(default_factory=Counter)
    unavailable_without_retry_after: int = 0
    replayed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, headers) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status == 503 and not headers.get("Retry-After"):
                self.unavailable_without_retry_after += 1
            if headers and headers.get("Idempotent-Replayed") == "true":
                self.replayed += 1

    @property
    def failures(self) -> int:
        """Answers that are wrong whatever the fault: a 5xx other than 503, no answer."""
        return sum(n for s, n in self.statuses.items() if (s >= 500 and s != 503) or s == 0)


@dataclass
class KeyedWrite:
    """One creating POST as a careful client sends it: one Idempotency-Key for all its
    attempts; ``acknowledged`` is the object's id once a 2xx came back."""

    url: str
    body: dict
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    acknowledged: int | None = None
    attempts: int = 0

    def send(self, token: str, answers: Answers, give_up_after: float) -> int | None:
        """Send until acknowledged, retrying 503 (after its Retry-After, at most 2 s),
        409 (in progress) and lost connections with the same key; the id, or None."""
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            self.attempts += 1
            status, body, headers = call(
                "POST", self.url, self.body, token, {"Idempotency-Key": self.key}
            )
            answers.note(status, headers)
            if 200 <= status < 300:
                self.acknowledged = body["id"]
                return self.acknowledged
            if status in (0, 409, 503):
                wait = float(headers.get("Retry-After") or 0.5) if headers else 0.5
                time.sleep(min(max(wait, 0.2), 2.0))
                continue
            raise AssertionError(f"{self.url}: {status} {body}")
        return None


@dataclass
class Burst:
    """What one burst of changes sent, and how the web tier answered."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    trainees: list[int] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)


class Chaos:
    """The system under test, its controls and its ledger."""

    def __init__(self, workdir: Path, pg_admin_url: str, amqp_url: str, env: dict | None = None):
        broker = sa.engine.make_url(amqp_url.replace("amqp://", "postgresql://", 1))
        self.broker_proxy = TcpProxy(broker.host or "127.0.0.1", broker.port or 5672)
        proxied = f"amqp://{broker.username}:{broker.password}@127.0.0.1:{self.broker_proxy.port}//"
        self.amqp_url = amqp_url
        self.stack = LocalStack(
            workdir,
            env={
                "BROKER_URL": proxied,
                "TICK_INTERVAL_SECONDS": "3600",
                # the city's one login serves the whole run (access tokens live 15 minutes)
                "JWT_TTL_SECONDS": str(6 * 3600),
                **(env or {}),
            },
            pg_admin_url=pg_admin_url,
            amqp_url=amqp_url,
        )
        self.extra_env: dict[str, dict] = {}
        self.restarts: Counter = Counter()
        self._supervise = threading.Event()
        self._stopped = threading.Event()
        # held by the supervisor's pass and by every deliberate stop or start, so that the
        # supervisor never "restarts" a process the test is restarting (an orphan copy)
        self._control = threading.RLock()
        self.engines: dict[str, sa.Engine] = {}
        self.injected: set[str] = set()  # event ids the test itself published
        self._marks: dict[str, int] = {}  # log size at each process's last start

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> Chaos:
        self.stack.start()
        self.engines = {s: sa.create_engine(u) for s, u in self.stack.database_urls.items()}
        self.bus = Bus(self.amqp_url, self.stack.exchange, self.stack.queue_prefix)
        self.city = http(
            "POST", f"{self.api('roster')}/auth/token",
            {"grant_type": "password", "username": self.stack.city[0],
             "password": self.stack.city[1]},
        )[1]["access_token"]  # fmt: skip
        self._world()
        self._supervise.set()
        threading.Thread(target=self._supervisor, daemon=True, name="chaos-supervisor").start()
        return self

    def close(self) -> None:
        self._stopped.set()
        self.broker_proxy.restore()
        for engine in self.engines.values():
            engine.dispose()
        self.stack.close()
        self.broker_proxy.close()

    def api(self, service: str) -> str:
        return f"{self.stack.urls[service]}/api/v1/{service}"

    def _world(self) -> None:
        roster = self.api("roster")
        _, town = http("POST", f"{roster}/towns", {"code": "CT1", "name": "石𬌗镇"}, self.city)
        self.villages = [
            http("POST", f"{roster}/villages",
                 {"code": f"CV{i}", "name": f"龘{i}村", "town_id": town["id"]}, self.city)[1]["id"]
            for i in range(3)
        ]  # fmt: skip
        _, unit = http("POST", f"{roster}/units", {"code": "CU1", "name": "区委办"}, self.city)
        self.town, self.unit = town["id"], unit["id"]

    # -- processes ----------------------------------------------------------------------

    def _supervisor(self) -> None:
        """Restart any process that died (with the environment it was last started with)."""
        while not self._stopped.is_set():
            with self._control:
                if self._supervise.is_set():
                    for name, proc in list(self.stack.group.procs.items()):
                        if proc.poll() is not None and not self._stopped.is_set():
                            self.restarts[name] += 1
                            self.stack.group.procs.pop(name, None)
                            self._start(name)
            time.sleep(0.1)

    def _start(self, name: str) -> None:
        log = self.stack.group.log_dir / f"{name}.log"
        self._marks[name] = log.stat().st_size if log.exists() else 0
        base = name.split("#", 1)[0]
        self.stack.group.commands.setdefault(name, self.stack.group.commands[base])
        if base.endswith("-web"):
            service = base[: -len("-web")]
            self.stack.group.start(
                name, port=self.stack.ports[service], **self.extra_env.get(name, {})
            )
        else:
            self.stack.group.start(name, **self.extra_env.get(name, {}))

    def restart(self, name: str, **env) -> None:
        """Stop ``name`` (SIGTERM) and start it again with ``env`` added (``{}``: none)."""
        with self._control:
            if name in self.stack.group.procs:
                self.stack.group.kill(name, sig=15)
            self.extra_env[name] = {k: str(v) for k, v in env.items()}
            self._start(name)

    def pause(self, name: str) -> None:
        """Stop ``name`` until :meth:`resume` (the supervisor leaves it stopped)."""
        with self._control:
            self._supervise.clear()
            self.stack.group.kill(name, sig=15)

    def resume(self, name: str) -> None:
        with self._control:
            self._start(name)
            self._supervise.set()

    def add_copy(self, name: str, copy: int, **env) -> str:
        """A further copy of a relay or consumer (``reporting-consumer#2``)."""
        alias = f"{name}#{copy}"
        with self._control:
            self.extra_env[alias] = {k: str(v) for k, v in env.items()}
            self._start(alias)
        return alias

    def remove_copy(self, alias: str) -> None:
        with self._control:
            self.stack.group.kill(alias, sig=15)
            self.extra_env.pop(alias, None)

    def wait_started(self, names: list[str], timeout: float = 90.0) -> None:
        """Wait until each relay or consumer in ``names`` has started since its last
        (re)start, as its log says: on a loaded machine a start takes seconds."""
        deadline = time.monotonic() + timeout
        pending = [n for n in names if not n.split("#")[0].endswith("-web")]
        while pending and time.monotonic() < deadline:
            still = []
            for name in pending:
                log = self.stack.group.log_dir / f"{name}.log"
                text = log.read_bytes()[self._marks.get(name, 0) :] if log.exists() else b""
                if b"consumer started" not in text and b"relay started" not in text:
                    still.append(name)
            pending = still
            if pending:
                time.sleep(0.2)
        if pending:
            raise AssertionError(f"not started in {timeout:.0f}s: {pending}")

    def heal(self) -> None:
        """Undo every fault a scenario left behind, even one that failed half-way: the
        broker reachable, no copies, every process without fault or rerouted setting."""
        self.broker_proxy.restore()
        for name in list(self.stack.group.procs):
            if "#" in name:
                self.remove_copy(name)
        for name, env in list(self.extra_env.items()):
            if env and name in self.stack.group.procs:
                self.restart(name)
        for name in self.stack.names:
            if name not in self.stack.group.procs:
                self._start(name)

    def processes(self, kind: str) -> list[str]:
        """Every running process name ending in ``-<kind>`` (copies included)."""
        return [n for n in self.stack.group.procs if n.split("#")[0].endswith(f"-{kind}")]

    # -- load ---------------------------------------------------------------------------

    def burst(self, changes: int, threads: int = 4, during: Callable[[], None] | None = None):
        """``changes`` writes over HTTP: trainees registered, then placed in villages (two
        changes each), from ``threads`` clients; ``during`` runs alongside. A
        :class:`Burst`."""
        roster = self.api("roster")
        result = Burst()
        lock = threading.Lock()

        def one(i: int) -> None:
            status, body = http(
                "POST", f"{roster}/trainees",
                {"name": f"混沌学员{i}𠀾", "cohort": 2026, "unit_id": self.unit}, self.city,
            )  # fmt: skip
            statuses = [status]
            if status == 201:
                placed, _ = http(
                    "POST", f"{roster}/trainees/{body['id']}/placements",
                    {"village_id": self.villages[i % 3], "start_date": "2026-11-02"}, self.city,
                )  # fmt: skip
                statuses.append(placed)
            with lock:
                result.requests += len(statuses)
                result.statuses.update(statuses)
                if status == 201:
                    result.trainees.append(body["id"])

        side = threading.Thread(target=during, daemon=True) if during else None
        if side:
            side.start()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(max(1, changes // 2))))
            # the fault must fall inside the burst: go on writing until it is over
            n = changes // 2
            while side is not None and side.is_alive():
                list(pool.map(one, range(n, n + threads)))
                n += threads
        if side:
            side.join()
        return result

    # -- the ledger ---------------------------------------------------------------------

    def watermark(self) -> dict[str, int]:
        """The last outbox id of every service: a scenario's events are those after it."""
        marks = {}
        for service in PRODUCERS:
            with self.engines[service].connect() as conn:
                marks[service] = conn.execute(
                    sa.text("SELECT coalesce(max(id), 0) FROM outbox")
                ).scalar()
        return marks

    def outbox(self, since: dict[str, int]) -> dict[str, list[tuple[str, str, bool]]]:
        """(event id, type, sent) of every service's events after ``since``."""
        out = {}
        for service in PRODUCERS:
            with self.engines[service].connect() as conn:
                out[service] = [
                    (str(r[0]), r[1], r[2] is not None)
                    for r in conn.execute(
                        sa.text("SELECT event_id, type, sent_at FROM outbox WHERE id > :m"),
                        {"m": since[service]},
                    )
                ]
        return out

    def inbox_ids(self, service: str, ids: list[str]) -> Counter:
        """How many inbox rows of ``service`` each of ``ids`` has."""
        got: Counter = Counter()
        with self.engines[service].connect() as conn:
            for i in range(0, len(ids), 5000):
                chunk = ids[i : i + 5000]
                rows = conn.execute(
                    sa.select(sa.column("event_id"))
                    .select_from(sa.table("inbox"))
                    .where(sa.column("event_id").in_(chunk))
                )
                got.update(str(r[0]) for r in rows)
        return got

    def tally(self, since: dict[str, int]) -> dict:
        """Lost applications of the events after ``since``, and those not yet sent
        (doubled effects: :meth:`duplicate_effects`; the inbox's event id is its primary
        key, so it cannot hold an event twice)."""
        events = [e for rows in self.outbox(since).values() for e in rows]
        expected: dict[str, set[str]] = {s: set() for s in CONSUMERS}
        for event_id, type_, _sent in events:
            for service in APPLIED_BY.get(type_, ()):
                expected[service].add(event_id)
        lost = 0
        lost_by: dict[str, int] = {}
        for service, ids in expected.items():
            got = self.inbox_ids(service, sorted(ids))
            missing = sum(1 for i in ids if got[i] == 0)
            if missing:
                lost_by[service] = missing
            lost += missing
        unsent = sum(1 for _, _, sent in events if not sent)
        return {"events": len(events), "lost": lost, "unsent": unsent, "lost_by": lost_by}

    def unexpected(self) -> int:
        """Inbox rows whose event id is in no outbox at all (something invented an event)."""
        known: set[str] = set()
        for service in PRODUCERS:
            with self.engines[service].connect() as conn:
                known.update(
                    str(r[0]) for r in conn.execute(sa.text("SELECT event_id FROM outbox"))
                )
        extra = 0
        for service in CONSUMERS:
            with self.engines[service].connect() as conn:
                ids = [str(r[0]) for r in conn.execute(sa.text("SELECT event_id FROM inbox"))]
            extra += sum(1 for i in ids if i not in known and i not in self.injected)
        return extra

    def settle(self, since: dict[str, int], timeout: float = 120.0) -> tuple[dict, float]:
        """Wait until every event after ``since`` is sent and applied (or ``timeout``):
        the final tally and the seconds it took."""
        started = time.monotonic()
        while True:
            tally = self.tally(since)
            if (
                tally["lost"] == 0 and tally["unsent"] == 0
            ) or time.monotonic() - started > timeout:
                return tally, time.monotonic() - started
            time.sleep(0.5)

    def duplicate_effects(self, trainees: list[int], since: dict[str, int]) -> int:
        """Effects applied more than once (``EFFECTS``) of the scenario's trainees and of
        the events written after ``since``."""
        events = [e for rows in self.outbox(since).values() for e, _type, _sent in rows]
        return sum(duplicate_effects(self.engines, trainees, events).values())

    def parked(self, service: str) -> list[dict]:
        from shared.consumer import parked_messages

        return parked_messages(self.bus, service)

    def fees(self, trainees: list[int]) -> int:
        with self.engines["welfare"].connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM placement_fee WHERE trainee_id = ANY(:ids)"),
                {"ids": trainees},
            ).scalar()


class Probe:
    """A queue bound to every routing key of the system's exchange: how many times each
    event id went over the wire (a relay publishing a row twice shows here)."""

    def __init__(self, chaos: Chaos) -> None:
        self.bus = chaos.bus
        self.conn = Connection(chaos.amqp_url)
        channel = self.conn.channel()
        self.bus.exchange(channel).declare()
        self.queue = Queue(
            f"{chaos.stack.queue_prefix}.probe",
            bindings=[binding(self.bus.exchange, routing_key="#")],
        )(channel)
        self.queue.declare()
        self.seen: Counter = Counter()

    def drain(self) -> Counter:
        while (message := self.queue.get(no_ack=True)) is not None:
            self.seen[json.loads(message.body)["id"]] += 1
        return self.seen

    def close(self) -> None:
        try:
            self.queue.delete()  # else it would keep every routing key routable
        finally:
            self.conn.release()


def record(scenario: str, burst: Burst | None, tally: dict, **extra) -> dict:
    """One row of the table printed at the end of the run."""
    row = {
        "scenario": scenario,
        "requests": burst.requests if burst else 0,
        "events": tally.get("events", 0),
        "lost": tally.get("lost", 0),
        "duplicated": extra.pop("duplicate_effects", 0),
        "unexpected": extra.pop("unexpected", 0),
        "5xx": burst.server_errors if burst else 0,
        **extra,
    }
    RESULTS.append(row)
    return row


__all__ = [
    "EFFECTS",
    "SERVICES",
    "Answers",
    "Burst",
    "Chaos",
    "KeyedWrite",
    "Probe",
    "call",
    "duplicate_effects",
    "record",
]
