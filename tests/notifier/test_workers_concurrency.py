"""Several workers on PostgreSQL share the pending deliveries (FOR UPDATE SKIP LOCKED):
every message goes out exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from services.notifier.domain import deliveries
from tests.notifier.conftest import notifier_world
from tests.notifier.helpers import rows
from tests.notifier.test_rules import where

pytestmark = pytest.mark.integration

WORKERS = 4


def test_concurrent_workers_send_each_email_exactly_once(pg_url, smtp_server):
    world = notifier_world(
        pg_url, NOTIFIER_SMTP_HOST="127.0.0.1", NOTIFIER_SMTP_PORT=smtp_server.port
    )
    try:
        for kind in ("effectiveness", "mentoring", "quarterly"):
            for month in range(1, 11):
                world.feed(
                    "report.due_soon",
                    {
                        "trainee_id": 1,
                        "kind": kind,
                        "period": f"2025-{month:02d}",
                        "deadline": "2026-02-05",
                        **where(1),
                    },
                )
        barrier = threading.Barrier(WORKERS)
        sent = Counter()

        def worker(n: int) -> None:
            barrier.wait()
            while deliveries.deliver_one(world.db, world.config, "email"):
                sent[n] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        messages = smtp_server.mailbox.to("zhangsan@example.cn")
        assert len(messages) == 30
        assert len({m["Subject"] for m in messages}) == 30
        assert sum(sent.values()) == 30
        assert all(r.status == "sent" and r.attempts == 1 for r in rows(world, channel="email"))
    finally:
        world.db.dispose()
