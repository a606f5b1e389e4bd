"""Issue 22: on PostgreSQL an idle relay waits for its outbox's NOTIFY instead of polling:
a committed event is published at once even when the fallback poll is half a minute
away, and a relay that starts with a backlog publishes it first. Woken, it lingers, so
that the commits of a busy moment go out together."""

from __future__ import annotations

import threading
import time

import pytest

from services.roster.models import Outbox
from services.roster.spec import SPEC
from shared.outbox import record_event, run_relay
from tests.conftest import migrated

pytestmark = pytest.mark.integration

TRAINEE = {"id": 7, "name": "张𠀾", "cohort": 2026, "unit_id": 1, "status": "active",
           "version": 1}  # fmt: skip


class RecordingBus:
    """Takes every batch (as the broker would confirm it) and says when each event came."""

    def __init__(self) -> None:
        self.published: dict[str, float] = {}
        self.batches = 0

    def publish(self, envelopes: list[dict]) -> set[str]:
        self.batches += 1
        for envelope in envelopes:
            self.published[envelope["id"]] = time.monotonic()
        return {envelope["id"] for envelope in envelopes}


def record(db, n: int = 1) -> list[str]:
    with db.transaction() as session:
        return [
            record_event(
                session, Outbox, "trainee.registered", {**TRAINEE, "id": 7 + i}, producer="roster"
            )["id"]  # fmt: skip
            for i in range(n)
        ]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def relay(pg_url):
    """A relay thread on a migrated roster database whose fallback poll is 30 s away."""
    db = migrated(SPEC, pg_url)
    bus, stop = RecordingBus(), threading.Event()

    def start(**timing):
        kwargs = {"stop": stop, "poll_seconds": 30, **timing}
        thread = threading.Thread(target=run_relay, args=(db, Outbox, bus), kwargs=kwargs)
        thread.daemon = True
        thread.start()
        return thread

    yield db, bus, start
    stop.set()
    db.dispose()


def test_an_outbox_insert_wakes_the_idle_relay_within_a_second(relay):
    db, bus, start = relay
    thread = start()
    assert wait_for(lambda: bus.batches == 0 and thread.is_alive(), 5)
    time.sleep(0.5)  # idle: the first look found nothing, the next poll is 30 s away
    lags = []
    for _ in range(3):
        committed = time.monotonic()
        [event_id] = record(db)
        assert wait_for(lambda e=event_id: e in bus.published, 5), "not published"
        lags.append(bus.published[event_id] - committed)
        time.sleep(0.2)
    assert max(lags) < 1.0, lags
    print(
        f"\nNOTIFY lag with a 30 s fallback poll: {', '.join(f'{x * 1000:.0f} ms' for x in lags)}"
    )


def test_a_relay_started_with_a_backlog_publishes_it_first(relay):
    db, bus, start = relay
    waiting = record(db, 5)
    start()
    assert wait_for(lambda: set(waiting) <= set(bus.published), 2), bus.published


def test_a_woken_relay_lingers_so_that_a_burst_of_commits_goes_out_in_few_batches(relay):
    """Month end: every commit notifies. Without the linger the relay published a batch
    per commit (twice the CPU per event); with it, 20 commits over ~0.2 s go out in a
    few batches, each event still well within a second."""
    db, bus, start = relay
    start(linger=0.15)
    time.sleep(0.5)  # idle
    committed = {}
    for _ in range(20):
        [event_id] = record(db)
        committed[event_id] = time.monotonic()
        time.sleep(0.01)
    assert wait_for(lambda: set(committed) <= set(bus.published), 5), "not all published"
    assert bus.batches <= 6, f"{bus.batches} batches for 20 commits"
    assert max(bus.published[e] - t for e, t in committed.items()) < 1.0
