"""Start a service's production processes, exactly as the Procfile (and so
docker-compose.yml) runs them, against a test database and test broker names."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from deploy.local import procfile_processes
from tests.conftest import KEYS, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(extra: dict) -> dict:
    """The environment a process gets: this venv first on PATH, the test keys, ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_FAULT")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(JWT_PRIVATE_KEY=KEYS[0], JWT_PUBLIC_KEY=KEYS[1], LOG_LEVEL="INFO")
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Processes:
    """Procfile processes started for a test; all stopped by :meth:`stop`."""

    def __init__(self, env: dict, log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.commands = procfile_processes(ROOT / "Procfile")

    def start(self, name: str, port: int | None = None, **extra_env) -> subprocess.Popen:
        command = self.commands[name]
        if port is not None:
            assert "--bind 0.0.0.0:" in command, command
            head, tail = command.split("--bind 0.0.0.0:", 1)
            command = f"{head}--bind 127.0.0.1:{port}{tail[tail.index(' ') :]}"
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            command,
            shell=True,
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """A one-shot command (e.g. ``manage migrate``) in the same environment."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(10)

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(5)
            self.procs.pop(name)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")


def http_json(method: str, url: str, body=None, token: str | None = None):
    """(status, parsed JSON) of one request."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_ready(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = http_json("GET", f"{base}/readyz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} not ready in {timeout}s")
