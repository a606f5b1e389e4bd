"""Fault injection for the fault-injection suite (tests/chaos); never set in production.

``GRASSROOTS_FAULT`` names a point (``relay.after_publish``, ``consumer.before_commit``,
``consumer.after_commit``) where the process kills itself with SIGKILL: no cleanup, no
``finally``, exactly as the kernel's OOM killer or a pulled plug would. With
``GRASSROOTS_FAULT_EVERY=N`` it dies the N-th time it passes the point (so a supervised
process makes progress between deaths); without it, the first time."""

from __future__ import annotations

import logging
import os
import signal
import threading

log = logging.getLogger(__name__)
_passes: dict[str, int] = {}
_lock = threading.Lock()


def fault(point: str) -> None:
    """Die here if the fault-injection suite asked for it."""
    if os.environ.get("GRASSROOTS_FAULT") != point:
        return
    every = int(os.environ.get("GRASSROOTS_FAULT_EVERY") or 1)
    with _lock:
        _passes[point] = _passes.get(point, 0) + 1
        due = _passes[point] >= every
    if due:
        log.warning("fault injection: SIGKILL at %s", point)
        os.kill(os.getpid(), signal.SIGKILL)
