"""Start a service's production processes, exactly as the Procfile (and so
docker-compose.yml) runs them, against a test database and test broker names."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from deploy.stack import ProcessGroup, free_port  # noqa: F401 - free_port for the tests
from tests.conftest import KEYS


def service_env(extra: dict) -> dict:
    """The environment a process gets: this venv first on PATH, the test keys, ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_FAULT")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(JWT_PRIVATE_KEY=KEYS[0], JWT_PUBLIC_KEY=KEYS[1], LOG_LEVEL="INFO")
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Processes(ProcessGroup):
    """Procfile processes started for a test; all stopped by :meth:`stop`."""


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
