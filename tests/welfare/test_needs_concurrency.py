"""Two handlers at once, on PostgreSQL: a need is resolved, and ``need.resolved``
announced, once, when the city and the town resolve it at the same moment (the need's row
is locked and re-read before its status changes)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from services.welfare.models import Outbox
from tests.conftest import auth

API = "/api/v1/welfare/needs"
ROUNDS = 3


def resolve_at_once(world, need_id: int, callers: list[dict]) -> list[int]:
    """POST /resolve from each caller's own thread, released together; sorted statuses."""
    barrier = threading.Barrier(len(callers))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def resolve(headers):
        client = world.app.test_client()
        try:
            barrier.wait(timeout=10)
            response = client.post(
                f"{API}/{need_id}/resolve", json={"resolution": "已修好"}, headers=headers
            )
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=resolve, args=(h,)) for h in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(statuses)


def test_a_need_resolved_twice_at_once_is_resolved_and_announced_once(world_pg):
    for _ in range(ROUNDS):
        created = world_pg.client.post(
            API, json={"category": "life", "title": "热水器坏了"}, headers=auth("trainee", 1)
        )
        need_id = created.get_json()["id"]
        statuses = resolve_at_once(world_pg, need_id, [auth("city"), auth("town", 1)])
        assert statuses == [200, 409]
        with world_pg.db.transaction() as session:
            announced = session.scalars(
                sa.select(Outbox).where(Outbox.type == "need.resolved")
            ).all()
        assert [e.envelope["payload"]["need_id"] for e in announced].count(need_id) == 1
