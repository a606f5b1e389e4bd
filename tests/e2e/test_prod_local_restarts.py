"""One dead process is not an outage (issue 19): ``python -m deploy.local up``, as ``make
prod-local`` runs it, restarts a relay and a consumer killed with SIGKILL while the web
process answers throughout, events keep flowing, and SIGTERM then stops everything.

The Procfile's own commands run, on throwaway databases, broker names and a free port
(``--env-file`` and ``--procfile`` name the test's copies): roster's web, the relay, and
mentorship's consumer, which applies roster's ``town.created`` to its projection."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from deploy.local import PROCFILE, ROOT, procfile_processes
from tests.e2e.processes import free_port, http_json, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PROCESSES = ("roster-web", "outbox-relay", "mentorship-consumer")
STARTED = re.compile(r"deploy\.local: started (\S+) \(pid (\d+)\)")


class ProdLocal:
    """``python -m deploy.local up`` with the test's env file and Procfile."""

    def __init__(self, workdir: Path, env_file: Path, procfile: Path) -> None:
        self.log_path = workdir / "prod-local.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_FAULT")}
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "deploy.local", "up", "--env-file", str(env_file),
                 "--procfile", str(procfile)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pids(self, name: str) -> list[int]:
        """The pid of every start of ``name`` (``outbox-relay.1``), in order."""
        return [int(pid) for n, pid in STARTED.findall(self.log()) if n == name]

    def wait_for(self, what: str, predicate, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if self.proc.poll() is not None:
                raise AssertionError(f"deploy.local exited ({self.proc.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-6000:]}")
            time.sleep(0.1)
        return value

    def close(self) -> None:
        """Stop it if the test did not; never leave a process behind."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        for _name, pid in STARTED.findall(self.log()):
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def databases(pg_admin_url):
    """Throwaway databases for roster and mentorship (deploy.local creates them)."""
    tag = uuid.uuid4().hex[:10]
    admin = sa.engine.make_url(pg_admin_url)
    urls = {
        s: admin.set(database=f"gr_test_{tag}_{s}").render_as_string(hide_password=False)
        for s in ("roster", "mentorship")
    }
    yield urls
    engine = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls.values():
            name = sa.engine.make_url(url).database
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _only_ours(command: str, port: int) -> str:
    """The command on the test's port, the relay only for the services this test has
    databases for."""
    return command.replace("--bind 0.0.0.0:8001", f"--bind 127.0.0.1:{port}").replace(
        "--services roster,mentorship,reporting,welfare", "--services roster,mentorship"
    )


@pytest.fixture
def prod_local(tmp_path, databases, amqp_url, names, rabbit_cleanup):
    port = free_port()
    commands = procfile_processes(PROCFILE)
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "".join(f"{name}: {_only_ours(commands[name], port)}\n" for name in PROCESSES)
    )
    env_file = tmp_path / "test.env"
    env_file.write_text(
        "\n".join(
            [f"{s.upper()}_DATABASE_URL={url}" for s, url in databases.items()]
            + [f"{k}={v}" for k, v in names.items()]
            + [f"BROKER_URL={amqp_url}", f"GRASSROOTS_VAR_DIR={tmp_path / 'var'}",
               "TIME_ZONE=Asia/Shanghai", "WEB_WORKERS=1", "LOG_LEVEL=INFO"]
        )
        + "\n"
    )  # fmt: skip
    running = ProdLocal(tmp_path, env_file, procfile)
    running.base = f"http://127.0.0.1:{port}"
    yield running
    running.close()


class Watch:
    """GET /healthz and a read endpoint every 100 ms; every answer counted."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.answers: Counter = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path, token in (("/healthz", None), ("/api/v1/roster/towns", self.token)):
                try:
                    status, _ = http_json("GET", f"{self.base}{path}", token=token)
                except OSError as exc:
                    status = f"{exc.__class__.__name__}"
                self.answers[(path, status)] += 1
                if status != 200:
                    self.failures.append(f"GET {path} -> {status}")
            self._stop.wait(0.1)

    def __enter__(self) -> Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(20)


def test_a_killed_relay_and_consumer_come_back_while_the_web_answers(prod_local, databases):
    started = time.monotonic()
    wait_ready(prod_local.base, timeout=45)
    for name in ("outbox-relay.1", "mentorship-consumer.1"):
        prod_local.wait_for(f"{name} started", lambda n=name: prod_local.pids(n))
    subprocess.run(
        [sys.executable, "-m", "services.roster.manage", "create-account", "--username",
         "clerk", "--role", "city", "--password", "s3cret-口令"],
        cwd=ROOT, check=True, capture_output=True, timeout=60,
        env={**os.environ, "ROSTER_DATABASE_URL": databases["roster"],
             "GRASSROOTS_VAR_DIR": str(Path(prod_local.log_path).parent / "var")},
    )  # fmt: skip
    status, body = http_json(
        "POST", f"{prod_local.base}/api/v1/roster/auth/token",
        {"grant_type": "password", "username": "clerk", "password": "s3cret-口令"},
    )  # fmt: skip
    assert status == 200, body
    token = body["access_token"]
    mentorship = sa.create_engine(databases["mentorship"])

    def town(code: str) -> int:
        status, body = http_json(
            "POST", f"{prod_local.base}/api/v1/roster/towns", {"code": code, "name": f"{code}镇"},
            token,
        )  # fmt: skip
        assert status == 201, body
        return body["id"]

    def applied(town_id: int) -> bool:
        with mentorship.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM town WHERE id = :id"), {"id": town_id})

    try:
        with Watch(prod_local.base, token) as watch:
            before = town("R1")
            prod_local.wait_for("the first town in mentorship", lambda: applied(before))
            old = {n: prod_local.pids(n)[-1] for n in ("outbox-relay.1", "mentorship-consumer.1")}
            for pid in old.values():
                os.kill(pid, signal.SIGKILL)
            while_dead = town("R2")  # the relay is dead: it waits in roster's outbox
            new = {
                name: prod_local.wait_for(
                    f"{name} restarted",
                    lambda n=name: [p for p in prod_local.pids(n) if p != old[n]],
                )[-1]
                for name in old
            }
            for name in old:
                prod_local.wait_for(
                    f"{name} reported dead",
                    lambda n=name: f"{n} (pid {old[n]}) killed by SIGKILL" in prod_local.log(),
                )
                os.kill(new[name], 0)  # the new one runs
            prod_local.wait_for("the town made while they were dead", lambda: applied(while_dead))
            after = town("R3")
            prod_local.wait_for("a town made after the restarts", lambda: applied(after))
            time.sleep(0.3)  # a few more reads after the last event
        elapsed = time.monotonic() - started
    finally:
        mentorship.dispose()

    assert not watch.failures, (watch.failures[:10], watch.answers)
    reads = sum(watch.answers.values())
    assert reads >= 20, watch.answers
    print(
        f"\nprod-local restarts: relay pid {old['outbox-relay.1']} -> {new['outbox-relay.1']}, "
        f"consumer pid {old['mentorship-consumer.1']} -> {new['mentorship-consumer.1']}; "
        f"{reads} reads (healthz + towns), 0 failed; {elapsed:.1f}s from start"
    )

    # SIGTERM (what Ctrl-C does too) stops every process and deploy.local itself, cleanly
    os.kill(prod_local.proc.pid, signal.SIGTERM)
    assert prod_local.proc.wait(40) == 0, prod_local.log()[-3000:]
    assert "deploy.local: stopped" in prod_local.log()
    assert "did not stop" not in prod_local.log()
    for _name, pid in STARTED.findall(prod_local.log()):
        with pytest.raises(ProcessLookupError):
            os.killpg(int(pid), 0)
