"""Run a set of processes and keep each one running, as compose's ``restart: unless-stopped``
does: one process dying is not an outage.

``python -m deploy.local up`` runs the Procfile with it. Each process is started from its
command split like compose splits a string command (no shell in between, so the process
id is the program's own), in a session of its own (a signal to it reaches its children,
such as gunicorn's workers), with its output prefixed by its name on this process's stdout.

- **A process that exits** (crash, SIGKILL, OOM, exit code 0 alike) is restarted after a
  back-off: 1 s, doubling with each death in a row to at most 30 s; a process that had run
  for a minute or more before dying starts again at 1 s. What is left of its process group
  (a killed gunicorn master's workers) is killed first, so the new one can bind its port.
  Each death is reported on a ``deploy.local:`` line (the code or signal, the uptime, the
  delay, how many times in a row), and so is each start (with its new pid).
- **SIGINT (Ctrl-C) or SIGTERM** stops the restarts and sends SIGTERM to every process
  group, waits up to ``stop_timeout`` (30 s: gunicorn's graceful timeout is 20 s), then
  SIGKILLs what is left; a second Ctrl-C kills at once. The exit status is then 0.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO

from shared.clock import utcnow


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before restarting a process that died ``deaths`` times in a row."""

    initial: float = 1.0
    maximum: float = 30.0
    reset_after: float = 60.0  # seconds of uptime after which a death counts as the first

    def delay(self, deaths: int) -> float:
        return min(self.initial * 2 ** max(deaths - 1, 0), self.maximum)


@dataclass
class Child:
    """One supervised process and its restart record."""

    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    started: float = 0.0  # time.monotonic() of the last start
    deaths: int = 0  # deaths in a row (reset by a long enough uptime)
    restarts: int = 0  # restarts in all
    due: float | None = None  # time.monotonic() of the next start, while waiting
    readers: list[threading.Thread] = field(default_factory=list)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    """Keeps ``processes`` (``{name: command}``) running until stopped; see the module."""

    def __init__(
        self,
        processes: dict[str, str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        out: IO[str] | None = None,
        backoff: Backoff = Backoff(),
        stop_timeout: float = 30.0,
        poll_interval: float = 0.1,
    ) -> None:
        self.children = {name: Child(name, shlex.split(cmd)) for name, cmd in processes.items()}
        self.env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self.cwd = cwd
        self.out = out or sys.stdout
        self.backoff = backoff
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.width = max((len(n) for n in processes), default=0)
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._kill_now = threading.Event()

    # -- output -------------------------------------------------------------------------

    def _line(self, name: str, text: str) -> None:
        stamp = utcnow().astimezone().strftime("%H:%M:%S")
        with self._write_lock:
            self.out.write(f"{stamp} {name:<{self.width}} | {text}\n")
            self.out.flush()

    def say(self, text: str) -> None:
        """A line of the supervisor's own (``deploy.local: …``)."""
        stamp = utcnow().astimezone().strftime("%H:%M:%S")
        with self._write_lock:
            self.out.write(f"{stamp} deploy.local: {text}\n")
            self.out.flush()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                self._line(name, raw.decode("utf-8", "replace").rstrip("\n"))

    # -- processes ----------------------------------------------------------------------

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            child.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.started = time.monotonic()
        child.due = None
        reader = threading.Thread(
            target=self._pump, args=(child.name, child.proc.stdout), daemon=True
        )
        reader.start()
        child.readers = [t for t in child.readers if t.is_alive()] + [reader]
        again = f" (restart #{child.restarts})" if child.restarts else ""
        self.say(f"started {child.name} (pid {child.proc.pid}){again}")

    def _start(self, child: Child) -> None:
        try:
            self._spawn(child)
        except OSError as exc:  # the program is missing or not executable: retry later
            child.proc = None
            self._died(child, f"could not start ({exc})", uptime=0.0)

    def _died(self, child: Child, how: str, uptime: float) -> None:
        child.deaths = 1 if uptime >= self.backoff.reset_after else child.deaths + 1
        delay = self.backoff.delay(child.deaths)
        child.restarts += 1
        child.due = time.monotonic() + delay
        pid = f" (pid {child.proc.pid})" if child.proc is not None else ""
        row = f"; {child.deaths} deaths in a row" if child.deaths > 1 else ""
        self.say(
            f"{child.name}{pid} {how} after {uptime:.1f}s; restarting in {delay:g}s "
            f"(restart #{child.restarts}{row})"
        )

    def _check(self) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if child.proc is not None and child.due is None:
                code = child.proc.poll()
                if code is not None:
                    _kill_group(child.proc.pid, signal.SIGKILL)  # its orphans, if any
                    self._died(child, describe_exit(code), uptime=now - child.started)
            elif child.due is not None and now >= child.due:
                self._start(child)

    # -- life cycle ---------------------------------------------------------------------

    def request_stop(self, *_args) -> None:
        """Stop everything (the SIGINT and SIGTERM handler); a second request kills."""
        if self._stop.is_set():
            self._kill_now.set()
        self._stop.set()

    def run(self, install_signals: bool = True) -> int:
        """Start every process and keep them running until :meth:`request_stop`; stop
        them all; 0."""
        if install_signals:
            signal.signal(signal.SIGINT, self.request_stop)
            signal.signal(signal.SIGTERM, self.request_stop)
        try:
            for child in self.children.values():
                if not self._stop.is_set():
                    self._start(child)
            while not self._stop.wait(self.poll_interval):
                self._check()
        finally:
            self.stop()
        return 0

    def stop(self) -> None:
        """SIGTERM every process group, wait up to ``stop_timeout``, SIGKILL the rest."""
        running = [c for c in self.children.values() if c.proc is not None]
        alive = [c for c in running if c.proc.poll() is None]
        self.say(f"stopping {len(alive)} processes (SIGTERM)")
        for child in running:
            child.due = None
            _kill_group(child.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and not self._kill_now.is_set():
            if all(c.proc.poll() is not None and not _group_alive(c.proc.pid) for c in running):
                break
            time.sleep(0.1)
        for child in running:
            if child.proc.poll() is None or _group_alive(child.proc.pid):
                self.say(f"{child.name} (pid {child.proc.pid}) did not stop: SIGKILL")
                _kill_group(child.proc.pid, signal.SIGKILL)
        for child in running:
            child.proc.wait()
            for reader in child.readers:
                reader.join(timeout=2)
        self.say("stopped")


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
