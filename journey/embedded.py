"""Start the embedded default (``python -m embedded``) for the journey: a fresh var
directory, a free port, wait until ``/readyz`` answers, stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from deploy.stack import free_port
from journey.http import request

ROOT = Path(__file__).resolve().parent.parent


def wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"embedded default exited ({proc.returncode}); see {log}")
        try:
            if request("GET", f"{base}/readyz", expect=None)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"embedded default not ready in {timeout:.0f}s; see {log}")


@contextlib.contextmanager
def embedded(var_dir: Path | None = None, env: dict | None = None) -> Iterator[str]:
    """The base URL of a freshly started embedded default (demo city loaded); ``env`` is
    added to its environment."""
    with contextlib.ExitStack() as stack:
        if var_dir is None:
            var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="journey-")))
        port = free_port()
        env = {
            **os.environ,
            **(env or {}),
            "GRASSROOTS_VAR_DIR": str(var_dir / "var"),
            "PORT": str(port),
        }
        for key in ("ROSTER_DATABASE_URL", "MENTORSHIP_DATABASE_URL", "REPORTING_DATABASE_URL",
                    "WELFARE_DATABASE_URL", "NOTIFIER_DATABASE_URL", "BROKER_URL",
                    "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "HOST"):  # fmt: skip
            env.pop(key, None)
        log_path = var_dir / "embedded.log"
        log = stack.enter_context(open(log_path, "wb"))  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "embedded"], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc, log_path)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
