"""The mentoring form pre-filled from a ``talk.recorded`` that arrives through the real
RabbitMQ at reporting's consumer on PostgreSQL: delivered twice, it is kept once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from services.reporting.config import Config
from services.reporting.models import Inbox, ReportTalk
from shared.bus import Bus
from shared.events import build_event
from tests.conftest import auth, wait_for
from tests.reporting.test_reports import API, count, open_period

pytestmark = pytest.mark.integration


def inbox_has(db, event_id: str) -> bool:
    with db.transaction() as session:
        return session.get(Inbox, event_id) is not None


@pytest.fixture
def consumer(world_pg, amqp_url, names, rabbit_cleanup):
    """Reporting's real consumer on RabbitMQ, writing to the world's PostgreSQL."""
    config = Config(DATABASE_URL=world_pg.db.url, BROKER_URL=amqp_url, **names)
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    running = world_pg.spec.consumer(config, world_pg.db, bus)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=running.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield bus
    stop.set()
    thread.join(10)
    bus.reset()


def test_a_talk_delivered_twice_through_rabbitmq_prefills_the_mentoring_form_once(
    world_pg, consumer
):
    world, bus = world_pg, consumer
    open_period(world, "2026-03")
    talk = build_event(
        "talk.recorded",
        {
            "talk_id": 901,
            "trainee_id": 1,
            "mentor_id": 104,
            "mentor_role": "responsible",
            "talk_date": dt.date(2026, 3, 18),
            "mode": "video",
            "aspects": ["political"],
            "summary": "围绕理论学习谈心",
            "unit_id": 1,
            "town_id": 1,
            "village_id": 11,
        },
        producer="mentorship",
    )
    # The same envelope twice, then a marker behind it on the same queue: once the
    # marker is applied, both deliveries of the talk have been dealt with.
    marker = build_event(
        "town.updated", {"id": 1, "code": "T1", "name": "石龙镇"}, producer="roster"
    )
    assert len(bus.publish([talk, talk])) >= 1
    assert len(bus.publish([marker])) == 1
    wait_for(lambda: inbox_has(world.db, marker["id"]), message="the marker was not applied")
    assert inbox_has(world.db, talk["id"])
    assert count(world, ReportTalk) == 1

    response = world.client.post(
        f"{API}/reports",
        json={"period": "2026-03", "kind": "mentoring", "content": {"account": "收获很大"}},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    talks = response.get_json()["content"]["talks"]
    assert [(t["talk_id"], t["mentor_role"], t["mode"]) for t in talks] == [
        (901, "responsible", "video")
    ]
