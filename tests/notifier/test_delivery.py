"""The worker: e-mail to a real SMTP server (aiosmtpd), SMS to a real HTTP stand-in for
the gateway, webhooks signed with HMAC-SHA256 to real receivers; retries, parking,
disabling and re-enabling; the daily digests."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from services.notifier.domain import deliveries
from services.notifier.models import (
    DeliveryAttempt,
    Notification,
    Subscription,
    WebhookDelivery,
)
from shared.bus import Bus
from shared.clock import utcnow
from tests.conftest import auth
from tests.notifier.helpers import count, rows
from tests.notifier.test_rules import DUE, where
from tests.notifier.test_subscriptions import API as SUBS
from tests.notifier.test_subscriptions import TOWN_A, TOWN_B

pytestmark = pytest.mark.integration


@pytest.fixture
def wired(world, smtp_server, sms_gateway):
    """The world's config pointed at the local SMTP server and SMS stand-in."""
    world.config.NOTIFIER_SMTP_HOST = "127.0.0.1"
    world.config.NOTIFIER_SMTP_PORT = smtp_server.port
    world.config.NOTIFIER_SMS_URL = f"{sms_gateway.url}/send"
    world.config.NOTIFIER_SMS_TOKEN = "gateway-token"
    world.smtp, world.sms = smtp_server.mailbox, sms_gateway
    return world


def drain(world, *channels: str) -> int:
    sent = 0
    for channel in channels:
        step = (
            (lambda: deliveries.deliver_webhook(world.db, world.config))
            if channel == "webhook"
            else (lambda c=channel: deliveries.deliver_one(world.db, world.config, c))
        )
        while step():
            sent += 1
    return sent


def verified(secret: str, request: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Grassroots-Signature"])


def test_an_email_arrives_in_utf8_with_chinese_names_intact(wired):
    wired.assign(501, 1, 105, "practical")
    assert drain(wired, "email") == 2
    [message] = wired.smtp.to("zhangsan@example.cn")
    assert message["Subject"] == "您的实践导师：干部105"
    assert "干部105担任您的实践导师" in message.get_content()
    assert wired.smtp.to("wang105@example.cn")[0]["Subject"] == "您已被指定为学员1的实践导师"
    assert {r.status for r in rows(wired, channel="email")} == {"sent"}


def test_an_sms_goes_to_the_gateway_with_its_token(wired):
    wired.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    assert drain(wired, "sms") == 1
    [request] = wired.sms.received()
    assert request["path"] == "/send"
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    body = json.loads(request["body"])
    assert body["to"] == ["13800000001"]
    assert body["text"] == "【基层锻炼】基层锻炼工作成效表（2026-01）将于2026-02-05截止"


def test_a_failing_gateway_is_retried_with_backoff_and_the_sms_finally_parked(wired):
    wired.config.NOTIFIER_RETRY_BASE_SECONDS = 60
    wired.sms.status = 503
    wired.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    now = utcnow()
    assert deliveries.deliver_one(wired.db, wired.config, "sms", now)
    [sms] = rows(wired, channel="sms")
    assert (sms.status, sms.attempts) == ("pending", 1)
    assert sms.next_attempt_at == now + dt.timedelta(seconds=60)
    # Not due again before its time; then each failure doubles the wait.
    assert not deliveries.deliver_one(wired.db, wired.config, "sms", now)
    later = now
    for attempt in range(2, wired.config.NOTIFIER_MAX_ATTEMPTS + 1):
        later += dt.timedelta(hours=2)
        assert deliveries.deliver_one(wired.db, wired.config, "sms", later)
        [sms] = rows(wired, channel="sms")
        assert sms.attempts == attempt
    assert sms.status == "parked" and "503" in sms.last_error
    assert len(wired.sms.received()) == wired.config.NOTIFIER_MAX_ATTEMPTS
    # The e-mail of the same event was never held up.
    assert drain(wired, "email") == 1 and len(wired.smtp.to("zhangsan@example.cn")) == 1


def test_an_unreachable_smtp_server_does_not_hold_up_the_sms(wired):
    wired.config.NOTIFIER_SMTP_PORT = 1  # nothing listens there
    wired.config.NOTIFIER_RETRY_BASE_SECONDS = 60
    wired.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    assert drain(wired, "email") == 1
    [mail] = rows(wired, channel="email")
    assert (mail.status, mail.attempts) == ("pending", 1) and "smtp" in mail.last_error
    assert drain(wired, "sms") == 1 and rows(wired, channel="sms")[0].status == "sent"


def subscribe(world, headers, url: str, types=("report.overdue",)) -> dict:
    response = world.client.post(
        SUBS, json={"url": url, "event_types": list(types)}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_webhook_delivery_is_signed_and_carries_the_event_and_delivery_ids(wired, receivers):
    receiver = receivers()
    sub = subscribe(wired, TOWN_A, f"{receiver.url}/grassroots")
    envelope = wired.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    assert drain(wired, "webhook") == 1
    [request] = receiver.received()
    assert verified(sub["secret"], request)
    assert not verified("another-secret", request)
    assert request["headers"]["X-Grassroots-Event"] == str(envelope["id"])
    with wired.db.transaction() as s:
        [d] = s.scalars(sa.select(WebhookDelivery))
    assert request["headers"]["X-Grassroots-Delivery"] == d.delivery_id
    body = json.loads(request["body"])
    assert body["type"] == "report.overdue" and body["payload"]["trainee_id"] == 1
    assert body["payload"]["deadline"] == "2026-02-05"
    log = wired.client.get(f"{SUBS}/{sub['id']}/attempts", headers=TOWN_A).get_json()
    assert [(a["attempt"], a["status_code"]) for a in log["items"]] == [(1, 200)]


def test_a_webhook_answering_500_is_retried_then_disabled_while_email_keeps_flowing(
    wired, receivers
):
    wired.config.NOTIFIER_WEBHOOK_MAX_FAILURES = 3
    broken, healthy = receivers(), receivers()
    broken.status = 500
    bad = subscribe(wired, TOWN_A, broken.url)
    subscribe(wired, TOWN_B, healthy.url)
    wired.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    wired.feed("report.overdue", {"trainee_id": 2, **DUE, **where(2)})
    drain(wired, "webhook", "email")
    assert len(broken.received()) == 3  # retried, then the subscription was disabled
    state = wired.client.get(f"{SUBS}/{bad['id']}", headers=TOWN_A).get_json()
    assert state["active"] is False and "3 consecutive failures" in state["disabled_reason"]
    assert len(healthy.received()) == 1
    assert len(wired.smtp.to("zhangsan@example.cn")) == 1
    assert len(wired.smtp.to("lisi@example.cn")) == 1
    # Disabled: new events are not even queued for it.
    wired.feed("report.overdue", {"trainee_id": 1, **{**DUE, "period": "2026-02"}, **where(1)})
    assert drain(wired, "webhook") == 0
    log = wired.client.get(f"{SUBS}/{bad['id']}/attempts", headers=TOWN_A).get_json()
    assert [a["status_code"] for a in log["items"]] == [500, 500, 500]
    assert count(wired, DeliveryAttempt) == 4


def test_a_re_enabled_webhook_gets_its_waiting_deliveries(wired, receivers):
    wired.config.NOTIFIER_WEBHOOK_MAX_FAILURES = 2
    receiver = receivers()
    receiver.status = 500
    sub = subscribe(wired, TOWN_A, receiver.url)
    wired.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    drain(wired, "webhook")
    with wired.db.transaction() as s:
        assert s.get(Subscription, sub["id"]).active is False
    receiver.status = 204
    response = wired.client.post(f"{SUBS}/{sub['id']}/enable", headers=TOWN_A)
    assert response.status_code == 200 and response.get_json()["active"] is True
    assert drain(wired, "webhook") == 1
    page = wired.client.get(f"{SUBS}/{sub['id']}/deliveries", headers=TOWN_A).get_json()
    assert [d["status"] for d in page["items"]] == ["sent"]
    assert len(receiver.received()) == 3


def test_a_webhook_is_parked_after_the_last_attempt(wired, receivers):
    wired.config.NOTIFIER_WEBHOOK_MAX_FAILURES = 100
    receiver = receivers()
    receiver.status = 502
    subscribe(wired, TOWN_A, receiver.url)
    wired.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    drain(wired, "webhook")
    with wired.db.transaction() as s:
        [d] = s.scalars(sa.select(WebhookDelivery))
    assert (d.status, d.attempts, d.last_status_code) == ("parked", 5, 502)


def test_overdue_reports_make_one_digest_per_town_and_unit_a_day(wired):
    for trainee_id in (1, 3):
        wired.feed("report.overdue", {"trainee_id": trainee_id, **DUE, **where(trainee_id)})
    assert deliveries.build_digests(wired.db, wired.config) == 2  # town 1, unit 1
    assert deliveries.build_digests(wired.db, wired.config) == 0  # nothing waiting
    # A late overdue notice waits for tomorrow's digest: one message a day.
    wired.feed("report.overdue", {"trainee_id": 1, **{**DUE, "kind": "mentoring"}, **where(1)})
    assert deliveries.build_digests(wired.db, wired.config) == 0
    tomorrow = utcnow() + dt.timedelta(days=1)
    assert deliveries.build_digests(wired.db, wired.config, tomorrow) == 2
    digests = rows(wired, event_type="digest", recipient="unit:1", channel="inbox")
    assert len(digests) == 2
    assert "2条" in digests[0].subject and "学员3" in digests[0].body
    while deliveries.deliver_one(wired.db, wired.config, "email", tomorrow):
        pass
    assert len(wired.smtp.to("caizheng@example.cn")) == 2
    town = wired.client.get("/api/v1/notifier/notifications", headers=auth("town", 1))
    assert town.get_json()["total"] == 2


def test_a_duplicated_delivery_of_an_event_sends_one_message(wired):
    envelope = wired.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    applied = wired.spec.consumer(wired.config, wired.db, Bus("memory://", "x", "x")).apply(
        envelope
    )
    assert applied is False
    drain(wired, "email", "sms")
    assert len(wired.smtp.to("zhangsan@example.cn")) == 1 and len(wired.sms.received()) == 1
    assert count(wired, Notification) == 3


def test_the_city_sees_the_delivery_log_masked_and_sends_a_parked_message_again(wired):
    wired.sms.status = 500
    wired.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    drain(wired, "sms", "email")
    log = "/api/v1/notifier/deliveries"
    page = wired.client.get(f"{log}?status=parked", headers=auth("city")).get_json()
    [parked] = page["items"]
    assert (parked["channel"], parked["address"]) == ("sms", "138****0001")
    sent = wired.client.get(f"{log}?channel=email", headers=auth("city")).get_json()["items"]
    assert sent[0]["address"] == "z***@example.cn" and sent[0]["status"] == "sent"
    assert wired.client.get(log, headers=auth("town", 1)).status_code == 403
    assert (
        wired.client.post(f"{log}/{sent[0]['id']}/retry", headers=auth("city")).status_code == 409
    )
    wired.sms.status = 200
    again = wired.client.post(f"{log}/{parked['id']}/retry", headers=auth("city"))
    assert again.status_code == 200 and again.get_json()["status"] == "pending"
    assert drain(wired, "sms") == 1
    assert rows(wired, channel="sms")[0].status == "sent"
