"""Webhooks for a town's or unit's own system: which URLs may subscribe, which events
reach which subscriber (only those of its scope), and the signature of each delivery.

Signature: ``X-Grassroots-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw request
body under the subscription's secret; ``X-Grassroots-Event`` carries the event id and
``X-Grassroots-Delivery`` the delivery id (the same on every retry of one delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from typing import NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.models import Subscription, Trainee, WebhookDelivery
from shared.db import utcnow
from shared.errors import DomainError
from shared.events.catalogue import event_types, payload_schema
from shared.normalize import message

#: Accounts are never sent to anyone's system.
SUBSCRIBABLE = tuple(t for t in event_types() if not t.startswith("account."))
#: Events with nobody's trainees in them, sent to every subscriber that asks.
CITY_WIDE = ("period.opened", "calendar.updated")


def new_secret() -> str:
    """A fresh signing secret (shown to the subscriber once)."""
    return secrets.token_hex(32)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Grassroots-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str, *, allow_private: bool, self_hosts: set[str], own_host: str) -> None:
    """Refuse (422) a URL that is not http(s), that points at this service, or (unless
    ``allow_private``) at a private or loopback address; link-local addresses (the cloud
    metadata service) are refused always."""
    parts = urlsplit(url)
    errors: list[str] = []
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append(
            message(
                "应为带主机名的 http:// 或 https:// 网址", "an http:// or https:// URL with a host"
            )
        )
    else:
        host = parts.hostname.lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        own = urlsplit(f"//{own_host}")
        own_port = own.port or port
        if (
            host in self_hosts
            or (own.hostname and host == own.hostname.lower() and port == own_port)
            or parts.path.startswith("/api/v1/notifier")
        ):
            errors.append(message("不能是通知服务自身的网址", "a URL of the notifier itself"))
        else:
            errors.extend(_address_errors(host, port, allow_private))
    if errors:
        raise DomainError(
            message("该网址不能接收 Webhook 推送", "this URL cannot receive webhooks"),
            {"url": errors},
        )


def _address_errors(host: str, port: int, allow_private: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return [message("主机名无法解析", "a host name that resolves")]
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_link_local or address.is_multicast or address.is_unspecified:
            return [
                message(
                    "不能是链路本地、组播或未指定的地址",
                    "not a link-local, multicast or unspecified address",
                )
            ]
        if not allow_private and (address.is_private or address.is_loopback or address.is_reserved):
            return [message("不能是内网或回环地址", "not a private or loopback address")]
    return []


def check_event_types(types: list[str]) -> None:
    """Refuse (422) event types that do not exist or cannot be subscribed to."""
    unknown = sorted({t for t in types if t not in SUBSCRIBABLE})
    if unknown:
        raise DomainError(
            message("请订阅事件目录中的事件类型", "subscribe to event types of the catalogue"),
            {
                "event_types": [
                    message(f"未知的事件类型：{t}", f"unknown event type: {t}") for t in unknown
                ]
            },
        )


def event_scope(session: Session, envelope: dict) -> tuple[set[int], set[int], bool]:
    """The towns and units an event belongs to, and whether it is city-wide."""
    type_, payload = envelope["type"], envelope["payload"]
    if type_ in CITY_WIDE:
        return set(), set(), True
    towns: set[int] = set()
    units: set[int] = set()
    if type_.startswith("town."):
        towns.add(payload["id"])
    elif type_.startswith("unit."):
        units.add(payload["id"])
    elif type_.startswith("person."):
        for position in payload["positions"]:
            towns.add(position.get("town_id"))
            units.add(position.get("unit_id"))
    elif type_ == "assessment.published":
        ids = {entry["party_id"] for entry in payload["ranking"]}
        (towns if payload["party"] == "town" else units).update(ids)
    elif type_.startswith("village.") or "unit_id" in payload or "town_id" in payload:
        towns.add(payload.get("town_id"))
        units.add(payload.get("unit_id"))
    elif payload.get("trainee_id"):
        trainee = session.get(Trainee, payload["trainee_id"])
        if trainee is not None:
            towns.add(trainee.town_id)
            units.add(trainee.unit_id)
    if type_ == "trainee.placed":
        # The town the trainee leaves is told too: it was its trainee until now.
        towns.add(payload.get("previous_town_id"))
    towns.discard(None)
    units.discard(None)
    return towns, units, False


def body_of(envelope: dict) -> str:
    """The JSON sent to subscribers: the envelope with its payload in canonical form."""
    schema = payload_schema(envelope["type"], envelope["version"])
    occurred = envelope["occurred_at"]
    return json.dumps(
        {
            "id": str(envelope["id"]),
            "type": envelope["type"],
            "version": envelope["version"],
            "occurred_at": occurred if isinstance(occurred, str) else occurred.isoformat(),
            "producer": envelope["producer"],
            "correlation_id": envelope.get("correlation_id"),
            "payload": schema.dump(envelope["payload"]),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def active_subscriptions(session: Session) -> list:
    """The active subscriptions, read once per consumer transaction (a batch of events):
    they change only through the API, in transactions of their own."""
    cached = session.info.get("active_subscriptions")
    if cached is None:
        # Plain values, not ORM objects: a rolled-back savepoint would expire those.
        cached = session.info["active_subscriptions"] = [
            _Subscribed(s.id, s.owner_role, s.owner_id, tuple(s.event_types))
            for s in session.scalars(sa.select(Subscription).where(Subscription.active.is_(True)))
        ]
    return cached


class _Subscribed(NamedTuple):
    id: int
    owner_role: str
    owner_id: int
    event_types: tuple


def queue_deliveries(session: Session, envelope: dict) -> int:
    """A delivery for each active subscription that asked for this event type and whose
    owner's scope the event belongs to."""
    type_ = envelope["type"]
    if type_ not in SUBSCRIBABLE:
        return 0
    subscriptions = [s for s in active_subscriptions(session) if type_ in s.event_types]
    if not subscriptions:
        return 0
    towns, units, city_wide = event_scope(session, envelope)
    body = body_of(envelope)
    now = utcnow()
    count = 0
    for subscription in subscriptions:
        owned = towns if subscription.owner_role == "town" else units
        if not city_wide and subscription.owner_id not in owned:
            continue
        session.add(
            WebhookDelivery(
                delivery_id=str(uuid.uuid4()),
                subscription_id=subscription.id,
                event_id=str(envelope["id"]),
                event_type=type_,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        count += 1
    return count
