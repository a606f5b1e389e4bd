"""End to end through RabbitMQ: events of roster, mentorship, reporting and welfare are
published to a test exchange, the notifier's consumer applies them on PostgreSQL, and its
worker (in a thread) delivers them to a real SMTP server, the SMS stand-in and webhook
receivers that verify the signature."""

from __future__ import annotations

import json
import threading

import pytest

from services.notifier.config import Config
from services.notifier.models import Inbox, Notification
from services.notifier.spec import SPEC
from services.notifier.worker import run_worker
from shared.bus import Bus
from shared.events import build_event
from tests.conftest import wait_for
from tests.notifier.conftest import TEST_SETTINGS, notifier_world
from tests.notifier.helpers import count
from tests.notifier.test_delivery import subscribe, verified
from tests.notifier.test_rules import DUE, where
from tests.notifier.test_subscriptions import TOWN_A, TOWN_B

pytestmark = pytest.mark.integration


@pytest.fixture
def system(pg_url, amqp_url, names, rabbit_cleanup, smtp_server, sms_gateway):
    """The notifier on PostgreSQL with its consumer on RabbitMQ and its worker running."""
    world = notifier_world(pg_url)
    config = Config(
        DATABASE_URL=pg_url,
        BROKER_URL=amqp_url,
        NOTIFIER_SMTP_HOST="127.0.0.1",
        NOTIFIER_SMTP_PORT=smtp_server.port,
        NOTIFIER_SMS_URL=f"{sms_gateway.url}/sms",
        NOTIFIER_SMS_TOKEN="t0ken",
        NOTIFIER_WEBHOOK_MAX_FAILURES=3,
        RETRY_DELAYS_MS=[200],
        **TEST_SETTINGS,
        **names,
    )
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    consumer = SPEC.consumer(config, world.db, bus)
    stop, ready = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=consumer.run, args=(stop, ready), daemon=True),
        threading.Thread(target=run_worker, args=(world.db, config, stop), daemon=True),
    ]
    for thread in threads:
        thread.start()
    assert ready.wait(10)
    yield {"world": world, "bus": bus, "smtp": smtp_server.mailbox, "sms": sms_gateway}
    stop.set()
    for thread in threads:
        thread.join(15)
    bus.reset()
    world.db.dispose()


def applied(world, envelope) -> bool:
    with world.db.transaction() as s:
        return s.get(Inbox, envelope["id"]) is not None


def test_events_from_every_service_reach_mail_sms_and_the_towns_own_system_once(system, receivers):
    world, bus, smtp, sms = system["world"], system["bus"], system["smtp"], system["sms"]
    town_a, town_b = receivers(), receivers()
    types = ("mentor.assigned", "report.due_soon", "placement_fee.paid")
    sub_a = subscribe(world, TOWN_A, f"{town_a.url}/hook", types)
    subscribe(world, TOWN_B, f"{town_b.url}/hook", types)
    events = [
        build_event(
            "account.updated",
            {
                "id": 1,
                "username": "xueyuan1",
                "role": "trainee",
                "scope_id": 1,
                "display_name": "张三",
                "email": "zhang.san@example.cn",
                "phone": "13900000001",
                "active": True,
            },
            producer="roster",
        ),
        build_event(
            "mentor.assigned",
            {
                "assignment_id": 900,
                "trainee_id": 1,
                "mentor_id": 105,
                "role": "practical",
                "start_date": "2026-03-01",
                **where(1),
            },
            producer="mentorship",
        ),
        build_event("report.due_soon", {"trainee_id": 1, **DUE, **where(1)}, producer="reporting"),
        build_event(
            "placement_fee.paid",
            {
                "entitlement_id": 5,
                "trainee_id": 1,
                "amount_fen": 500000,
                "payment_ref": "PF-5",
                "paid_on": "2026-03-02",
                "due_on": "2026-03-31",
                **where(1),
            },
            producer="welfare",
        ),
    ]
    assert len(bus.publish(events)) == 4
    # The same report.due_soon delivered again, and a marker behind it.
    marker = build_event(
        "town.updated", {"id": 1, "code": "T1", "name": "石龙镇"}, producer="roster"
    )
    assert len(bus.publish([events[2], marker])) == 2
    wait_for(lambda: applied(world, marker), message="the marker was not applied")

    # inbox + e-mail to mentor and trainee; inbox + e-mail + SMS for each of the others
    mails = wait_for(
        lambda: len(smtp.to("zhang.san@example.cn")) == 3 and smtp.to("zhang.san@example.cn"),
        message="e-mails did not arrive",
    )
    assert sorted(m["Subject"] for m in mails) == [
        "一次性安置费5000.00元已发放",
        "基层锻炼工作成效表（2026-01）将于2026-02-05截止",
        "您的实践导师：干部105",
    ]
    assert wait_for(lambda: smtp.to("wang105@example.cn"))
    texts = wait_for(lambda: len(sms.received()) == 2 and sms.received())
    assert all(json.loads(r["body"])["to"] == ["13900000001"] for r in texts)
    assert all(r["headers"]["Authorization"] == "Bearer t0ken" for r in texts)
    hooks = wait_for(lambda: len(town_a.received()) == 3 and town_a.received())
    assert all(verified(sub_a["secret"], r) for r in hooks)
    assert sorted(r["headers"]["X-Grassroots-Event-Type"] for r in hooks) == sorted(types)
    assert town_b.received() == []  # town B never gets town A's trainee
    with world.db.transaction() as s:
        assert s.query(Notification).filter_by(event_type="report.due_soon").count() == 3
    # Nothing more arrives from the duplicate (4 for the assignment, 3 + 3 for the others).
    assert count(world, Notification) == 10
    assert len(smtp.to("zhang.san@example.cn")) == 3 and len(sms.received()) == 2


def test_a_webhook_answering_500_is_disabled_while_email_keeps_flowing(system, receivers):
    world, bus, smtp = system["world"], system["bus"], system["smtp"]
    broken = receivers()
    broken.status = 500
    sub = subscribe(world, TOWN_A, broken.url, ("report.overdue",))
    events = [
        build_event(
            "report.overdue",
            {"trainee_id": 1, **{**DUE, "period": f"2026-0{m}"}, **where(1)},
            producer="reporting",
        )
        for m in range(1, 6)
    ]
    bus.publish(events)
    wait_for(
        lambda: len(smtp.to("zhangsan@example.cn")) == 5,
        timeout=20,
        message="the e-mails did not all arrive",
    )

    def disabled():
        response = world.client.get(f"/api/v1/notifier/subscriptions/{sub['id']}", headers=TOWN_A)
        return response.get_json()["active"] is False

    wait_for(disabled, timeout=20, message="the subscription was not disabled")
    assert len(broken.received()) == 3
