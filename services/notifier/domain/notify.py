"""Events into notifications. The consumer's handler only WRITES rows, in the inbox's
transaction: one per event, recipient and channel (inbox rows are delivered there and then;
e-mail and SMS rows wait for the worker), digest items, and webhook deliveries. No Flask
and no network here."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.domain import subscriptions
from services.notifier.domain.render import Message, event_contexts, render
from services.notifier.domain.rules import RULES, Rule
from services.notifier.models import (
    Account,
    DigestItem,
    Notification,
    Person,
    Preference,
    Trainee,
)
from shared.consumer import defer
from shared.db import settings_of, upsert_statement, utcnow
from shared.events.catalogue import event_types
from shared.projections import upsert_versioned

CHUNK = 1000


@dataclass
class Contact:
    """How one recipient is reached."""

    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Prefs:
    channels: tuple[str, ...] = ("inbox", "email", "sms")
    quiet_start: str | None = None
    quiet_end: str | None = None
    digest: bool = False
    language: str = "zh"


DEFAULT_PREFS = Prefs()


def recipient_of(role: str, scope_id: int | None) -> str:
    """The inbox a token's role and scope read."""
    return "city" if role == "city" else f"{role}:{scope_id}"


def _split(recipient: str) -> tuple[str, int | None]:
    role, _, scope = recipient.partition(":")
    return role, int(scope) if scope else None


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def preferences(session: Session, recipients: list[str]) -> dict[str, Prefs]:
    """Each recipient's preferences (defaults for those who set none)."""
    out: dict[str, Prefs] = {}
    for chunk in _chunks(recipients):
        for row in session.scalars(sa.select(Preference).where(Preference.recipient.in_(chunk))):
            out[row.recipient] = Prefs(
                tuple(row.channels), row.quiet_start, row.quiet_end, row.digest, row.language
            )
    return out


def contacts(session: Session, recipients: list[str]) -> dict[str, Contact]:
    """Names, e-mail addresses and phone numbers: the active accounts of each recipient's
    role and scope, else (for a trainee or a mentor) the roster's own record."""
    out = {r: Contact() for r in recipients}
    by_role: dict[str, list[int | None]] = defaultdict(list)
    for r in recipients:
        role, scope = _split(r)
        by_role[role].append(scope)
    for role, scopes in by_role.items():
        for chunk in _chunks(scopes):
            query = sa.select(Account).where(Account.role == role, Account.active.is_(True))
            if role != "city":
                query = query.where(Account.scope_id.in_(chunk))
            for account in session.scalars(query.order_by(Account.id)):
                contact = out[recipient_of(role, account.scope_id)]
                contact.name = contact.name or account.display_name
                if account.email and account.email not in contact.emails:
                    contact.emails.append(account.email)
                if account.phone and account.phone not in contact.phones:
                    contact.phones.append(account.phone)
            model = {"trainee": Trainee, "mentor": Person}.get(role)
            if model is None:
                continue
            for row in session.scalars(sa.select(model).where(model.id.in_(chunk))):
                contact = out[f"{role}:{row.id}"]
                contact.name = row.name
                if not contact.emails and row.email:
                    contact.emails.append(row.email)
                if not contact.phones and row.phone:
                    contact.phones.append(row.phone)
    return out


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def quiet_until(prefs: Prefs, now: dt.datetime, time_zone: str) -> dt.datetime | None:
    """The end of the recipient's quiet window if ``now`` is inside it (a window may
    cross midnight, e.g. 22:00-07:00), else None."""
    if not prefs.quiet_start or not prefs.quiet_end:
        return None
    local = now.astimezone(ZoneInfo(time_zone))
    start, end = _minutes(prefs.quiet_start), _minutes(prefs.quiet_end)
    current = local.hour * 60 + local.minute
    inside = start <= current < end if start <= end else current >= start or current < end
    if not inside:
        return None
    until = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if until <= local:
        until += dt.timedelta(days=1)
    return until.astimezone(dt.UTC)


def insert_ignoring_duplicates(session: Session, model, rows: list[dict]) -> None:
    """Insert rows, skipping any that a unique constraint already holds (an event or a
    fact delivered twice)."""
    if not rows:
        return
    for chunk in _chunks(rows):
        session.execute(upsert_statement(session, model.__table__).on_conflict_do_nothing(), chunk)


def write_all_notifications(
    session: Session, work: list[tuple[dict, Rule]], *, time_zone: str
) -> None:
    """The rows of many events under their rules, set-based: the names, preferences and
    contacts of every recipient of every event are read once, and the rows are written
    in one statement (a consumer's batch of fifty events costs a handful of queries)."""
    now = utcnow()
    contexts = event_contexts(session, [envelope["payload"] for envelope, _ in work])
    resolved = [
        [
            (target, list(dict.fromkeys(target.resolve(session, envelope["payload"]))))
            for target in rule.targets
        ]
        for envelope, rule in work
    ]
    everyone = list(
        dict.fromkeys(r for targets in resolved for _, recipients in targets for r in recipients)
    )
    prefs = preferences(session, everyone)
    reach = contacts(session, everyone)
    rows: list[dict] = []
    items: list[dict] = []
    for (envelope, rule), context, targets in zip(work, contexts, resolved, strict=True):
        payload, type_ = envelope["payload"], envelope["type"]
        event_id = str(envelope["id"])
        fact_key = f"{type_}:{rule.fact(payload) if rule.fact else event_id}"[:120]
        for target, recipients in targets:
            rendered: dict[tuple[str, str], Message] = {}
            params: dict[str, dict] = {}
            for recipient in recipients:
                pref = prefs.get(recipient, DEFAULT_PREFS)
                contact = reach[recipient]
                key = (pref.language, contact.name)
                if key not in rendered:
                    rendered[key] = render(
                        target.template,
                        pref.language,
                        {**context, "recipient_name": contact.name},
                    )
                message = rendered[key]
                if contact.name not in params:
                    params[contact.name] = json_safe({**context, "recipient_name": contact.name})
                common = {
                    "event_id": event_id,
                    "event_type": type_,
                    "fact_key": fact_key,
                    "recipient": recipient,
                    "language": pref.language,
                    "subject": message.subject,
                    "body": message.body,
                    "template": target.template,
                    "params": params[contact.name],
                    "attempts": 0,
                    "created_at": now,
                    "sent_at": None,
                    "read_at": None,
                    "last_error": None,
                }
                if target.digest:
                    items.append(_item(common, message.body))
                    continue
                if "inbox" in target.channels:
                    rows.append(
                        {
                            **common,
                            "channel": "inbox",
                            "address": None,
                            "status": "sent",
                            "next_attempt_at": None,
                            "sent_at": now,
                        }
                    )
                outward = [
                    c for c in ("email", "sms") if c in target.channels and c in pref.channels
                ]
                if pref.digest and outward:
                    items.append(_item(common, message.subject))
                    continue
                for channel in outward:
                    addresses = contact.emails if channel == "email" else contact.phones
                    if not addresses:
                        continue
                    due = now
                    if channel == "sms":
                        due = quiet_until(pref, now, time_zone) or now
                    rows.append(
                        {
                            **common,
                            "channel": channel,
                            "address": ",".join(addresses)[:1000],
                            "status": "pending",
                            "next_attempt_at": due,
                        }
                    )
    insert_ignoring_duplicates(session, Notification, rows)
    insert_ignoring_duplicates(session, DigestItem, items)


def json_safe(context: dict) -> dict:
    """A template's context as JSON keeps it (dates as ISO text, which the templates print
    the same)."""
    return json.loads(json.dumps(context, default=str, ensure_ascii=False))


def _item(common: dict, line: str) -> dict:
    return {
        "recipient": common["recipient"],
        "event_id": common["event_id"],
        "event_type": common["event_type"],
        "fact_key": common["fact_key"],
        "line": line[:500],
        "created_at": common["created_at"],
        "digest_id": None,
    }


def on_account(session: Session, envelope: dict) -> bool:
    """Keep the account projection (ordered by the events' times)."""
    payload = envelope["payload"]
    version = int(envelope["occurred_at"].timestamp() * 1_000_000)
    fields = ("username", "role", "scope_id", "display_name", "email", "phone", "active")
    return upsert_versioned(
        session, Account, payload["id"], version, {f: payload[f] for f in fields}
    )


def react(session: Session, envelope: dict) -> None:
    """Every event: its rule's notifications and its webhook deliveries, written by
    ``react_all`` for all the events of the consumer's transaction at once."""
    defer(session, envelope)


def react_all(session: Session, envelopes: list[dict]) -> None:
    """The consumer's ``finish``: the notifications and webhook deliveries of every event
    its transaction applied (their projections already kept)."""
    work = [(e, RULES[e["type"]]) for e in envelopes if e["type"] in RULES]
    if work:
        write_all_notifications(session, work, time_zone=settings_of(session).TIME_ZONE)
    for envelope in envelopes:
        subscriptions.queue_deliveries(session, envelope)


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``): every event type of the catalogue.
EVENT_HANDLERS: dict = {t: react for t in event_types()}
