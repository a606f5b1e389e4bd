"""The whole production system on this machine, throwaway: every process of the Procfile
(the commands of docker-compose.yml), each service on a new PostgreSQL database of its own,
one RabbitMQ under exchange and queue names of its own, all removed afterwards.

The journey (``python -m journey --production``), the benchmarks and the fault-injection
tests start the system this way::

    with LocalStack(Path("/tmp/run")) as stack:
        stack.urls["reporting"]          # http://127.0.0.1:<port>
        stack.kill("outbox-relay")       # SIGKILL one process; stack.start(name) again

Nothing is mocked: gunicorn serves the web processes, the relays, consumers, scheduler and
worker are the real ones; only ports (free ones), database names and broker names differ
from ``make prod-local``.

Unlike ``make prod-local`` (``deploy.supervise``), a stack does not restart a process that
dies: the fault-injection harness kills processes on purpose and restarts them itself
(counting each restart, tests/chaos/harness.py), and the journey and the benchmarks want a
crash to show, not to be papered over. ``metrics_token`` is the bearer token its
``/metrics`` answers.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from deploy.local import PROCFILE, ROOT, ensure_database, procfile_processes, redis_reachable

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: One service's relay alone (the combined relay given one service): not a Procfile process
#: (its ``outbox-relay`` serves every service that publishes), but started by name for a
#: test that wants one service's relay by itself.
SINGLE_RELAYS = {
    f"{s}-relay": f"python -m shared.relay --services {s}" for s in SERVICES if s != "notifier"
}  # (the notifier publishes nothing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200 (and ``proc``, if given, is still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {timeout:.0f}s")


class ProcessGroup:
    """Procfile processes, each in its own session (so a signal reaches its children, such
    as gunicorn's workers), logging to ``log_dir/<name>.log``."""

    def __init__(self, env: dict, log_dir: Path, procfile: Path = PROCFILE) -> None:
        self.env = env
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        #: the Procfile's processes, which a stack starts
        self.procfile = procfile_processes(procfile)
        self.commands = {**SINGLE_RELAYS, **self.procfile}

    def start(
        self, name: str, port: int | None = None, *, alias: str | None = None, **extra_env
    ) -> subprocess.Popen:
        """Start the Procfile process ``name`` (``port`` replaces its ``--bind`` port);
        ``alias`` runs another copy of it under that name (a second consumer)."""
        command = self.commands[name]
        if port is not None:
            assert "--bind 0.0.0.0:" in command, command
            head, tail = command.split("--bind 0.0.0.0:", 1)
            command = f"{head}--bind 127.0.0.1:{port}{tail[tail.index(' ') :]}"
        name = alias or name
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            command,
            shell=True,
            cwd=ROOT,
            env={**self.env, **{k: str(v) for k, v in extra_env.items()}},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """A one-shot command (``-m services.roster.manage migrate``) in the same environment."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the process group of ``name`` and forget it once every process
        of the group has exited (SIGKILL after 20 s: a shell's child must not live on)."""
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(20)
        _reap_group(proc.pid)

    def stop(self) -> None:
        """SIGTERM every process (SIGKILL after 15 s), as ``docker compose down`` would."""
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for name, proc in list(self.procs.items()):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
            self.procs.pop(name)
            _reap_group(proc.pid)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")


def _reap_group(pgid: int, grace: float = 20.0) -> None:
    """Wait until no process of group ``pgid`` is left, then SIGKILL any that is."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class LocalStack:
    """Every Procfile process against new databases and broker names; see the module doc.

    ``env`` is added to every process's environment (``NOTIFIER_SMTP_HOST``,
    ``TICK_INTERVAL_SECONDS``, ``GRASSROOTS_CLOCK_FILE``, …); ``processes`` limits which
    Procfile entries start (default all); ``city`` is the first city account, made with
    ``manage create-account`` as an installation's first login is."""

    def __init__(
        self,
        workdir: Path,
        *,
        env: dict | None = None,
        processes: list[str] | None = None,
        web_workers: int = 2,
        city: tuple[str, str] = ("city", "city-Passw0rd!"),
        pg_admin_url: str = PG_ADMIN_URL,
        amqp_url: str = AMQP_URL,
    ) -> None:
        self.workdir = Path(workdir)
        self.tag = secrets.token_hex(4)
        self.pg_admin_url = pg_admin_url
        self.amqp_url = amqp_url
        self.city = city
        self.exchange = f"stack.{self.tag}.events"
        self.queue_prefix = f"stack.{self.tag}"
        admin = sa.engine.make_url(pg_admin_url)
        self.database_urls = {
            s: admin.set(database=f"gr_stack_{self.tag}_{s}").render_as_string(hide_password=False)
            for s in SERVICES
        }
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_FAULT")}
        for key in ("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PRIVATE_KEY_FILE",
                    "JWT_PUBLIC_KEY_FILE"):  # fmt: skip
            base_env.pop(key, None)
        base_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}"
        base_env.update(
            {f"{s.upper()}_DATABASE_URL": url for s, url in self.database_urls.items()},
            BROKER_URL=amqp_url,
            EVENTS_EXCHANGE=self.exchange,
            QUEUE_PREFIX=self.queue_prefix,
            GRASSROOTS_VAR_DIR=str(self.workdir / "var"),
            WEB_WORKERS=str(web_workers),
            TIME_ZONE="Asia/Shanghai",
            LOG_LEVEL="INFO",
            # /metrics answers only this bearer token (the journey's settle() reads it)
            METRICS_TOKEN=secrets.token_urlsafe(24),
        )
        # roster's login limits in the local Redis under keys of this stack's own (the
        # memory of each web process when there is no Redis)
        self.redis_url = REDIS_URL if redis_reachable(REDIS_URL) else None
        base_env.update(
            RATELIMIT_STORAGE_URI=self.redis_url or "memory://",
            RATELIMIT_KEY_PREFIX=f"stack-{self.tag}",
        )
        base_env.update({k: str(v) for k, v in (env or {}).items()})
        self.metrics_token = base_env["METRICS_TOKEN"]
        self.group = ProcessGroup(base_env, self.workdir / "logs")
        self.names = processes or list(self.group.procfile)
        self.ports: dict[str, int] = {}
        self.urls: dict[str, str] = {}

    # -- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Create and migrate the databases, make the city account, start every process and
        wait until each web process is ready."""
        for service, url in self.database_urls.items():
            ensure_database(url)
            self.group.run("-m", f"services.{service}.manage", "migrate")
        username, password = self.city
        self.group.run(
            "-m", "services.roster.manage", "create-account", "--username", username,
            "--role", "city", "--password", password,
        )  # fmt: skip
        for name in self.names:
            self.start_process(name)
        for service in SERVICES:
            if f"{service}-web" in self.group.procs:
                wait_http(f"{self.urls[service]}/readyz", proc=self.group.procs[f"{service}-web"])

    def start_process(
        self, name: str, *, alias: str | None = None, **extra_env
    ) -> subprocess.Popen:
        """Start (or start again) one Procfile process; a web process keeps its port.
        ``alias`` starts another copy of a relay or consumer under that name (the
        benchmark's second reporting consumer); ``extra_env`` is added to its environment
        (``WEB_WORKERS=4``)."""
        if name.endswith("-web"):
            service = name[: -len("-web")]
            port = self.ports.setdefault(service, free_port())
            self.urls[service] = f"http://127.0.0.1:{port}"
            return self.group.start(name, port=port, **extra_env)
        return self.group.start(name, alias=alias, **extra_env)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.group.kill(name, sig)

    def close(self) -> None:
        """Stop every process, drop the databases, delete the broker names."""
        self.group.stop()
        admin = sa.create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for url in self.database_urls.values():
                    name = sa.engine.make_url(url).database
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        delete_broker_names(self.amqp_url, self.exchange, self.queue_prefix)
        if self.redis_url:
            delete_redis_keys(self.redis_url, f"stack-{self.tag}")


def delete_redis_keys(url: str, prefix: str) -> None:
    """Delete the login-limit counts a stack left under its key prefix."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
    except redis.exceptions.RedisError:
        pass


def delete_broker_names(amqp_url: str, exchange: str, queue_prefix: str) -> None:
    """Delete the exchange and every queue and exchange whose name starts with
    ``queue_prefix`` (retry and parking included)."""
    from kombu import Connection

    queues = [n for n in _list_names("list_queues") if n.startswith(queue_prefix)]
    exchanges = [
        n for n in _list_names("list_exchanges") if n == exchange or n.startswith(queue_prefix)
    ]
    with Connection(amqp_url) as conn:
        channel = conn.channel()
        for kind, name in [("queue", q) for q in queues] + [("exchange", e) for e in exchanges]:
            try:
                if kind == "queue":
                    channel.queue_delete(name)
                else:
                    channel.exchange_delete(name)
            except Exception:  # noqa: BLE001 - already gone; the channel closed with it
                channel = conn.channel()


def _list_names(command: str) -> list[str]:
    try:
        out = subprocess.run(
            ["rabbitmqctl", command, "name", "--quiet", "--no-table-headers"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]
