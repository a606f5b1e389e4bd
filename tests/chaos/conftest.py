"""The fault-injection suite's system (one per module) and its table, printed at the end
of the run: scenario, requests, events, lost, duplicated, unexpected, 5xx and notes."""

from __future__ import annotations

import os

import pytest

from tests.chaos.harness import RESULTS, Chaos

#: ``make chaos`` sets CHAOS_FULL=1: bursts of 1,000 changes and the outages of the issue
#: (broker 10 s, a database 30 s); ``make test`` runs the same scenarios smaller.
FULL = os.environ.get("CHAOS_FULL", "") == "1"
CHANGES = 1000 if FULL else 120
BROKER_OUTAGE = 10.0 if FULL else 4.0
DATABASE_OUTAGE = 30.0 if FULL else 6.0


#: The full run keeps production's retry delays (1 s, 5 s, 30 s before parking); the fast
#: subset waits 12 s in all, still long enough for an update that overtakes its trainee's
#: registration on a loaded machine to find it.
RETRY_DELAYS_MS = "1000,5000,30000" if FULL else "1000,3000,8000"


@pytest.fixture(scope="module")
def chaos(pg_admin_url, amqp_url, tmp_path_factory):
    system = Chaos(
        tmp_path_factory.mktemp("chaos"), pg_admin_url, amqp_url,
        env={"RETRY_DELAYS_MS": RETRY_DELAYS_MS},
    )  # fmt: skip
    try:
        system.start()
        yield system
    finally:
        system.close()


@pytest.fixture(autouse=True)
def healed(request):
    """After each scenario, pass or fail, the system is whole again for the next."""
    yield
    if "chaos" in request.fixturenames:
        request.getfixturevalue("chaos").heal()


COLUMNS = ("scenario", "requests", "events", "lost", "duplicated", "unexpected", "5xx", "notes")


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"fault injection ({'full' if FULL else 'fast subset'}: {CHANGES} changes per burst)")
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in RESULTS)) for c in COLUMNS}
    write("  ".join(c.ljust(widths[c]) for c in COLUMNS))
    for row in RESULTS:
        write("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in COLUMNS))
