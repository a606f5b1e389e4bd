"""Roster's rules: registering, placing and changing trainees, people and their positions,
accounts and logins. Every change that others must learn about records its event in the
outbox in the same transaction. No Flask here."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.roster.models import (
    Account,
    KnownClient,
    LoginThrottle,
    Outbox,
    Person,
    Placement,
    Position,
    RefreshToken,
    StatusChange,
    TokenRevocation,
    Town,
    Trainee,
    Unit,
    Village,
)
from shared import normalize
from shared.db import utcnow
from shared.errors import Conflict, DomainError, NotFound, TooManyAttempts
from shared.normalize import message
from shared.outbox import record_event
from shared.revocation import record_revocation

PRODUCER = "roster"
STATUS_TRANSITIONS = {
    "active": {"completed", "withdrawn"},
    "completed": set(),
    "withdrawn": set(),
}
# Which place a position of each kind must name.
POSITION_PLACE = {
    "unit_leadership": "unit_id",
    "unit_middle_cadre": "unit_id",
    "unit_staff": "unit_id",
    "town_party_deputy": "town_id",
    "town_staff": "town_id",
    "village_party_secretary": "village_id",
}
PASSWORD_METHOD = {"value": "scrypt"}


def emit(session: Session, type_: str, payload: dict) -> None:
    """Record a roster event in the outbox of this transaction."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER)


def _get(session: Session, model, id_: int | None, field: str):
    obj = session.get(model, id_) if id_ is not None else None
    if obj is None:
        raise DomainError(f"no {model.__tablename__} with id {id_}", {field: ["not found"]})
    return obj


# -- places ---------------------------------------------------------------------------


def place_payload(obj) -> dict:
    data = {"id": obj.id, "code": obj.code, "name": obj.name}
    if isinstance(obj, Village):
        data["town_id"] = obj.town_id
    return data


def _unique_code(session: Session, model, code: str, exclude_id: int | None = None) -> None:
    query = sa.select(model.id).where(model.code == code)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if session.scalar(query) is not None:
        raise Conflict(f"code {code} is taken", {"code": ["already used"]})


def create_place(session: Session, model, data: dict):
    """Create a town, village or unit and announce it."""
    _unique_code(session, model, data["code"])
    if model is Village:
        _get(session, Town, data["town_id"], "town_id")
    obj = model(**data)
    session.add(obj)
    session.flush()
    emit(session, f"{model.__tablename__}.created", place_payload(obj))
    return obj


def update_place(session: Session, obj, data: dict):
    """Rename or recode a town, village or unit and announce it."""
    if "code" in data:
        _unique_code(session, type(obj), data["code"], obj.id)
    if "town_id" in data:
        _get(session, Town, data["town_id"], "town_id")
    for key, value in data.items():
        setattr(obj, key, value)
    session.flush()
    emit(session, f"{obj.__tablename__}.updated", place_payload(obj))
    return obj


# -- people ---------------------------------------------------------------------------


def person_payload(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "gender": person.gender,
        "phone": person.phone,
        "email": person.email,
        "version": person.version,
        "positions": [
            {
                "kind": p.kind,
                "title": p.title,
                "unit_id": p.unit_id,
                "town_id": p.town_id,
                "village_id": p.village_id,
                "start_date": p.start_date,
                "end_date": p.end_date,
            }
            for p in person.positions
        ],
    }


def _build_positions(session: Session, items: list[dict]) -> list[Position]:
    positions = []
    for index, item in enumerate(items):
        place_field = POSITION_PLACE[item["kind"]]
        if not item.get(place_field):
            raise DomainError(
                f"a {item['kind']} position names its {place_field[:-3]}",
                {"positions": {index: {place_field: ["required for this kind"]}}},
            )
        for other in ("unit_id", "town_id", "village_id"):
            if other != place_field and item.get(other) is not None:
                raise DomainError(
                    f"a {item['kind']} position names only its {place_field[:-3]}",
                    {"positions": {index: {other: ["not for this kind"]}}},
                )
        model = {"unit_id": Unit, "town_id": Town, "village_id": Village}[place_field]
        if session.get(model, item[place_field]) is None:
            raise DomainError(
                f"no {model.__tablename__} with id {item[place_field]}",
                {"positions": {index: {place_field: ["not found"]}}},
            )
        if (
            item.get("end_date")
            and item.get("start_date")
            and item["end_date"] < item["start_date"]
        ):
            raise DomainError(
                "a position cannot end before it starts",
                {"positions": {index: {"end_date": ["before start_date"]}}},
            )
        positions.append(Position(**item))
    return positions


def search_clause(model, q: str):
    """What a list's ``q`` finds among trainees or people: an identity number in any typed
    form (full-width, spaced, lower-case x) finds that exact number, a phone number in any
    typed form that exact phone (stored as E.164), anything else the names containing it
    (NFKC, trimmed)."""
    if normalize.looks_like_id_number(q):
        return model.id_number == normalize.id_number_form(q)
    if normalize.looks_like_phone(q):
        try:
            return model.phone == normalize.phone(q)
        except normalize.Invalid:
            pass
    return model.name.contains(normalize.tidy(q), autoescape=True)


def _unique_id_number(session: Session, model, value: str | None, exclude: int | None = None):
    if not value:
        return
    query = sa.select(model.id).where(model.id_number == value)
    if exclude is not None:
        query = query.where(model.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(
            message("该身份证号已登记", "this identity number is already registered"),
            {"id_number": [message("已登记", "already registered")]},
        )


def create_person(session: Session, data: dict) -> Person:
    """Register a cadre with their positions and announce them."""
    data = dict(data)
    _unique_id_number(session, Person, data.get("id_number"))
    positions = _build_positions(session, data.pop("positions", []))
    person = Person(**data, positions=positions)
    session.add(person)
    session.flush()
    emit(session, "person.created", person_payload(person))
    return person


def update_person(session: Session, person: Person, data: dict) -> Person:
    """Change a cadre's details; ``positions``, if given, replaces the list (a position
    left is kept with its ``end_date`` by sending it with one)."""
    data = dict(data)
    if "id_number" in data:
        _unique_id_number(session, Person, data["id_number"], person.id)
    if "positions" in data:
        person.positions = _build_positions(session, data.pop("positions"))
    for key, value in data.items():
        setattr(person, key, value)
    person.version += 1
    session.flush()
    emit(session, "person.updated", person_payload(person))
    return person


# -- trainees -------------------------------------------------------------------------


def trainee_payload(trainee: Trainee) -> dict:
    current = current_placement(trainee)
    return {
        "id": trainee.id,
        "name": trainee.name,
        "gender": trainee.gender,
        "cohort": trainee.cohort,
        "unit_id": trainee.unit_id,
        "status": trainee.status,
        "phone": trainee.phone,
        "email": trainee.email,
        "town_id": trainee.town_id,
        "village_id": trainee.village_id,
        "placement_start": current.start_date if current else None,
        "version": trainee.version,
    }


def current_placement(trainee: Trainee) -> Placement | None:
    return next((p for p in trainee.placements if p.is_current), None)


def register_trainee(session: Session, data: dict) -> Trainee:
    """Register a trainee (and, if ``placement`` is given, place them) and announce it."""
    data = dict(data)
    placement = data.pop("placement", None)
    _get(session, Unit, data["unit_id"], "unit_id")
    _unique_id_number(session, Trainee, data.get("id_number"))
    trainee = Trainee(**data, status="active")
    session.add(trainee)
    session.flush()
    emit(session, "trainee.registered", trainee_payload(trainee))
    if placement:
        place_trainee(
            session,
            trainee,
            placement["village_id"],
            placement["start_date"],
            placement.get("note", ""),
        )
    return trainee


def register_trainees(session: Session, items: list[dict]) -> tuple[list[int], dict[int, dict]]:
    """Register many new trainees at once (an import): the same rows and the same events,
    in the same order, as ``register_trainee`` for each, in a handful of statements instead
    of about eight round trips a row. Returns the new ids in ``items``' order and the
    errors by index; any error registers nothing (the caller rolls back)."""
    errors: dict[int, dict] = {}
    wanted_units = {i["unit_id"] for i in items}
    units = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(wanted_units))))
    wanted = {i["placement"]["village_id"] for i in items if i.get("placement")}
    villages = dict(
        session.execute(sa.select(Village.id, Village.town_id).where(Village.id.in_(wanted))).all()
    )
    numbers = {i["id_number"] for i in items if i.get("id_number")}
    taken = set(session.scalars(sa.select(Trainee.id_number).where(Trainee.id_number.in_(numbers))))
    for index, item in enumerate(items):
        if item["unit_id"] not in units:
            errors[index] = {"unit_id": ["not found"]}
        elif item.get("placement") and item["placement"]["village_id"] not in villages:
            errors[index] = {"village_id": ["not found"]}
        elif item.get("id_number") in taken:
            errors[index] = {"id_number": [message("已登记", "already registered")]}
    if errors or not items:
        return [], errors
    now = utcnow()
    rows = []
    for item in items:
        data = {k: v for k, v in item.items() if k != "placement"}
        placement = item.get("placement")
        village = placement["village_id"] if placement else None
        rows.append(
            {
                **data,
                "status": "active",
                # A placed trainee is written as register_trainee leaves it: placed, and
                # at version 2 (registered, then updated by the placement).
                "town_id": villages[village] if placement else None,
                "village_id": village,
                "version": 2 if placement else 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Core, not the ORM's bulk INSERT, which would set the version column itself.
    table = Trainee.__table__
    ids = list(
        session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    )
    placed = [(tid, item) for tid, item in zip(ids, items, strict=True) if item.get("placement")]
    placement_ids = iter(
        session.scalars(
            sa.insert(Placement).returning(Placement.id, sort_by_parameter_order=True),
            [
                {
                    "trainee_id": tid,
                    "village_id": item["placement"]["village_id"],
                    "town_id": villages[item["placement"]["village_id"]],
                    "start_date": item["placement"]["start_date"],
                    "note": item["placement"].get("note", ""),
                    "is_current": True,
                    "created_at": now,
                }
                for tid, item in placed
            ],
        )
        if placed
        else []
    )
    for tid, item in zip(ids, items, strict=True):
        emit(
            session,
            "trainee.registered",
            {
                "id": tid,
                "name": item["name"],
                "gender": item.get("gender"),
                "cohort": item["cohort"],
                "unit_id": item["unit_id"],
                "status": "active",
                "phone": item.get("phone"),
                "email": item.get("email"),
                "town_id": None,
                "village_id": None,
                "placement_start": None,
                "version": 1,
            },
        )
        placement = item.get("placement")
        if placement:
            emit(
                session,
                "trainee.placed",
                {
                    "trainee_id": tid,
                    "placement_id": next(placement_ids),
                    "unit_id": item["unit_id"],
                    "town_id": villages[placement["village_id"]],
                    "village_id": placement["village_id"],
                    "start_date": placement["start_date"],
                    "end_date": None,
                    "previous_town_id": None,
                    "previous_village_id": None,
                    "first_in_village": True,
                    "version": 2,
                },
            )
    session.flush()
    return ids, errors


def update_trainee(session: Session, trainee: Trainee, data: dict) -> Trainee:
    """Change a trainee's profile and announce it."""
    if "unit_id" in data:
        _get(session, Unit, data["unit_id"], "unit_id")
    if "id_number" in data:
        _unique_id_number(session, Trainee, data["id_number"], trainee.id)
    for key, value in data.items():
        setattr(trainee, key, value)
    trainee.updated_at = utcnow()
    session.flush()
    emit(session, "trainee.updated", trainee_payload(trainee))
    return trainee


def place_trainee(
    session: Session, trainee: Trainee, village_id: int, start_date: dt.date, note: str = ""
) -> Placement:
    """Station a trainee in a village from ``start_date``; the current placement, if any,
    ends the day before. Announces ``trainee.placed``."""
    if trainee.status != "active":
        raise DomainError(
            f"a {trainee.status} trainee cannot be placed", {"trainee": ["not active"]}
        )
    village = _get(session, Village, village_id, "village_id")
    current = current_placement(trainee)
    first = not trainee.placements
    if current is not None:
        if current.village_id == village_id:
            raise Conflict(
                "the trainee is already placed in this village",
                {"village_id": ["same as the current placement"]},
            )
        if start_date <= current.start_date:
            raise DomainError(
                "a new placement must start after the current one started "
                f"({current.start_date.isoformat()})",
                {"start_date": ["not after the current placement's start"]},
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.is_current = False
    placement = Placement(
        trainee=trainee,
        village_id=village.id,
        town_id=village.town_id,
        start_date=start_date,
        note=note,
        is_current=True,
    )
    session.add(placement)
    previous_town, previous_village = trainee.town_id, trainee.village_id
    trainee.town_id, trainee.village_id = village.town_id, village.id
    trainee.updated_at = utcnow()
    session.flush()
    emit(
        session,
        "trainee.placed",
        {
            "trainee_id": trainee.id,
            "placement_id": placement.id,
            "unit_id": trainee.unit_id,
            "town_id": village.town_id,
            "village_id": village.id,
            "start_date": start_date,
            "end_date": None,
            "previous_town_id": previous_town,
            "previous_village_id": previous_village,
            "first_in_village": first,
            "version": trainee.version,
        },
    )
    return placement


def change_status(
    session: Session,
    trainee: Trainee,
    to_status: str,
    effective_date: dt.date,
    reason: str,
    changed_by: str,
) -> StatusChange:
    """Complete or withdraw a trainee from ``effective_date``, the first day no longer in
    training (as every service reads ``trainee.status_changed``): the current placement's
    last day is the day before (its start day at the earliest)."""
    if to_status not in STATUS_TRANSITIONS[trainee.status]:
        raise DomainError(
            f"a {trainee.status} trainee cannot become {to_status}",
            {"status": [f"not allowed from {trainee.status}"]},
        )
    current = current_placement(trainee)
    if current is not None:
        if effective_date < current.start_date:
            raise DomainError(
                "the change cannot precede the current placement's start",
                {"effective_date": ["before the placement started"]},
            )
        current.end_date = max(current.start_date, effective_date - dt.timedelta(days=1))
        current.is_current = False
    change = StatusChange(
        trainee_id=trainee.id,
        from_status=trainee.status,
        to_status=to_status,
        effective_date=effective_date,
        reason=reason,
        changed_by=changed_by,
    )
    session.add(change)
    town_id, village_id = trainee.town_id, trainee.village_id
    trainee.status = to_status
    trainee.updated_at = utcnow()
    session.flush()
    emit(
        session,
        "trainee.status_changed",
        {
            "trainee_id": trainee.id,
            "from_status": change.from_status,
            "to_status": to_status,
            "effective_date": effective_date,
            "reason": reason,
            "unit_id": trainee.unit_id,
            "town_id": town_id,
            "village_id": village_id,
            "version": trainee.version,
        },
    )
    # the trainee's logins end now, whatever the effective date says (a back-dated
    # withdrawal ends them today; the login refusal follows the status)
    for account in session.scalars(
        sa.select(Account).where(Account.role == "trainee", Account.scope_id == trainee.id)
    ):
        revoke_tokens(session, account, f"trainee_{to_status}")
    return change


# -- accounts and logins --------------------------------------------------------------

_SCOPE_MODELS = {"unit": Unit, "town": Town, "mentor": Person, "trainee": Trainee}


def account_payload(account: Account) -> dict:
    return {
        "id": account.id,
        "username": account.username,
        "role": account.role,
        "scope_id": account.scope_id,
        "display_name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "active": account.active,
    }


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=PASSWORD_METHOD["value"])


def create_account(session: Session, data: dict) -> tuple[Account, str | None]:
    """Create a login (``kind=user`` with a password) or a client credential
    (``kind=client``; its secret is generated and returned once)."""
    data = dict(data)
    role, scope_id = data["role"], data.get("scope_id")
    if role == "city":
        if scope_id is not None:
            raise DomainError("a city account has no scope", {"scope_id": ["must be empty"]})
    else:
        model = _SCOPE_MODELS[role]
        if scope_id is None or session.get(model, scope_id) is None:
            raise DomainError(
                f"a {role} account needs the id of an existing {model.__tablename__}",
                {"scope_id": ["not found"]},
            )
    if session.scalar(sa.select(Account.id).where(Account.username == data["username"])):
        raise Conflict("this username is taken", {"username": ["already used"]})
    secret = None
    if data.get("kind", "user") == "client":
        secret = secrets.token_urlsafe(32)
        data.pop("password", None)
        data["secret_hash"] = hash_secret(secret)
    else:
        password = data.pop("password", None)
        if not password:
            raise DomainError("a user account needs a password", {"password": ["required"]})
        data["secret_hash"] = hash_secret(password)
    account = Account(**data)
    session.add(account)
    session.flush()
    emit(session, "account.created", account_payload(account))
    return account, secret


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins lock an account (see the README and docs/security.md)."""

    max_failures: int = 5  # consecutive failures that lock
    backoff_seconds: int = 30  # the first lock; each next one twice as long ...
    lock_seconds: int = 900  # ... up to this; after this long without a lock, 30 s again
    known_days: int = 180  # a client that signed in within this many days is known


@dataclass(frozen=True)
class LoginClient:
    """Where a login comes from: the client address and the device id it sent."""

    address: str | None = None
    device_id: str | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _client_keys(client: LoginClient) -> list[tuple[str, str]]:
    keys = []
    if client.address:
        keys.append(("address", client.address[:64]))
    if client.device_id:
        keys.append(("device", _digest(client.device_id)))
    return keys


def is_known_client(
    session: Session, account: Account, client: LoginClient, policy: LoginPolicy
) -> bool:
    """Whether ``client`` signed in to ``account`` with its password before (recently)."""
    keys = _client_keys(client)
    if not keys:
        return False
    since = utcnow() - dt.timedelta(days=policy.known_days)
    return (
        session.scalar(
            sa.select(KnownClient.kind).where(
                KnownClient.account_id == account.id,
                sa.tuple_(KnownClient.kind, KnownClient.value).in_(keys),
                KnownClient.last_seen >= since,
            )
        )
        is not None
    )


def _remember_client(
    session: Session, account: Account, client: LoginClient, policy: LoginPolicy
) -> None:
    now = utcnow()
    for kind, value in _client_keys(client):
        row = session.get(KnownClient, (account.id, kind, value))
        if row is None:
            session.add(KnownClient(account_id=account.id, kind=kind, value=value, last_seen=now))
        else:
            row.last_seen = now
    session.execute(
        sa.delete(KnownClient).where(
            KnownClient.account_id == account.id,
            KnownClient.last_seen < now - dt.timedelta(days=policy.known_days),
        )
    )


def login_refusal(session: Session, account: Account) -> str | None:
    """Why a holder of the right password may not sign in (nor refresh), or None: the
    account is inactive, or its trainee completed or withdrew."""
    if not account.active:
        return "account_inactive"
    if account.role == "trainee" and account.scope_id is not None:
        status = session.scalar(sa.select(Trainee.status).where(Trainee.id == account.scope_id))
        if status in ("completed", "withdrawn"):
            return f"trainee_{status}"
    return None


REFUSALS = {
    "account_inactive": "该账号已停用，无法登录 (the account is inactive)",
    "trainee_withdrawn": "学员已退出，无法登录 (the trainee has withdrawn)",
    "trainee_completed": "学员已结业，无法登录 (the trainee has completed training)",
}


class AccountRefused(DomainError):
    """The right credentials, but the account may not sign in: 403 naming why
    (``errors.account``: ``account_inactive``, ``trainee_withdrawn``, ``trainee_completed``)."""

    status = 403
    title = "Sign-in refused"

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSALS[reason], {"account": [reason]})
        self.reason = reason


def authenticate(
    session: Session,
    username: str,
    secret: str,
    kind: str,
    policy: LoginPolicy,
    client: LoginClient = LoginClient(),  # noqa: B008 - frozen
) -> Account:
    """Check a username and password (or client id and secret).

    ``policy.max_failures`` consecutive failures lock the account: 30 s the first time,
    twice as long each next time (at most ``policy.lock_seconds``), back to 30 s once a
    lock is that long past. While locked, a login is refused (429) without its password
    being looked at, unless it comes from a known client (an address or device that signed
    in to the account before): its right password opens the account and clears the lock,
    so that a stranger's failures never keep the holder out. Every failure gives the same
    message. An unknown username is counted and locked alike (in ``login_throttle``), so
    that neither the answer nor the lock tells whether an account exists. The right
    password of an inactive account, or of a trainee who left, is a 403 saying so."""
    account = session.scalar(
        sa.select(Account).where(Account.username == username, Account.kind == kind)
    )
    counter = account
    if counter is None:
        counter = session.get(LoginThrottle, (kind, username)) or LoginThrottle(
            kind=kind, username=username, failed_logins=0, lock_level=0
        )
    now = utcnow()
    if counter.locked_until and counter.locked_until > now:
        if account is None or not is_known_client(session, account, client, policy):
            wait = max(1, math.ceil((counter.locked_until - now).total_seconds()))
            raise TooManyAttempts("too many failed attempts; try again later", wait)
    # An unknown username costs a hash check too, so timing tells nothing either.
    valid = check_password_hash(account.secret_hash if account else _DUMMY_HASH(), secret)
    if account is None or not valid:
        if counter.locked_until and now - counter.locked_until > dt.timedelta(
            seconds=policy.lock_seconds
        ):
            counter.lock_level = 0  # a long quiet time since the last lock
        counter.failed_logins = (counter.failed_logins or 0) + 1
        if counter.failed_logins >= policy.max_failures:
            level = counter.lock_level or 0
            seconds = min(policy.backoff_seconds * 2 ** min(level, 20), policy.lock_seconds)
            counter.locked_until = now + dt.timedelta(seconds=seconds)
            counter.lock_level = level + 1
            counter.failed_logins = 0
        if account is None:
            session.merge(counter)
        raise _BadCredentials()
    refusal = login_refusal(session, account)
    if refusal:
        raise AccountRefused(refusal)
    account.failed_logins = 0
    account.locked_until = None
    account.lock_level = 0
    if kind == "user":
        _remember_client(session, account, client, policy)
    return account


# -- refresh tokens and revocation ----------------------------------------------------


def _ms(moment: dt.datetime) -> dt.datetime:
    """``moment`` to the millisecond (below), as tokens carry their issue time."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def issue_refresh_token(
    session: Session,
    account: Account,
    ttl_seconds: int,
    family: str | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A new refresh token (the raw value, returned once; its SHA-256 is kept) and when it
    expires: a new sign-in's family lives ``ttl_seconds``, a rotated token keeps its
    family's end."""
    raw = secrets.token_urlsafe(32)
    now = _ms(utcnow())
    row = RefreshToken(
        token_hash=_digest(raw),
        family=family or str(uuid.uuid4()),
        account_id=account.id,
        issued_at=now,
        expires_at=expires_at or now + dt.timedelta(seconds=ttl_seconds),
    )
    session.add(row)
    session.flush()
    return raw, row.expires_at


class BadRefreshToken(DomainError):
    status = 401
    title = "Invalid refresh token"

    def __init__(self, why: str = "invalid") -> None:
        super().__init__(
            "the refresh token is unknown, expired, revoked or already used; sign in again",
            {"refresh_token": [why]},
        )


def _revoke_family(session: Session, family: str, now: dt.datetime) -> None:
    session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def use_refresh_token(
    session: Session, raw: str, reuse_grace_seconds: int
) -> tuple[Account, str, dt.datetime]:
    """Rotate a refresh token: the account, a new refresh token of the same family and its
    expiry. Refused (401) when unknown, expired, revoked, issued before the account's
    revocation, or used already: used more than ``reuse_grace_seconds`` ago, it is taken
    for stolen and its whole family is revoked (the caller commits that); used within the
    grace (two requests of one client refreshing at once) only this call is refused. The
    account's holder no longer allowed in is a 403 (:class:`AccountRefused`)."""
    row = session.scalar(
        sa.select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)).with_for_update()
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise BadRefreshToken()
    if row.used_at is not None:
        if now - row.used_at > dt.timedelta(seconds=reuse_grace_seconds):
            _revoke_family(session, row.family, now)
            raise BadRefreshToken("reused")
        raise BadRefreshToken("rotated")
    account = session.get(Account, row.account_id)
    revocation = session.get(TokenRevocation, (str(account.id), account.role))
    if revocation is not None and row.issued_at < revocation.not_before:
        raise BadRefreshToken("revoked")
    refusal = login_refusal(session, account)
    if refusal:
        raise AccountRefused(refusal)
    row.used_at = now
    new, expires_at = issue_refresh_token(
        session, account, 0, family=row.family, expires_at=row.expires_at
    )
    return account, new, expires_at


def revoke_refresh_token(session: Session, raw: str) -> bool:
    """Sign out: revoke the sign-in (family) of a refresh token; False if unknown."""
    row = session.scalar(sa.select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)))
    if row is None:
        return False
    _revoke_family(session, row.family, utcnow())
    return True


def revoke_tokens(session: Session, account: Account, reason: str) -> dt.datetime:
    """Every token of ``account`` issued until now stops working: its refresh tokens are
    revoked here, its access tokens by every service from ``account.revoked`` (roster
    from its own ``token_revocation`` at once). Returns the ``not_before``."""
    not_before = _ms(utcnow())
    record_revocation(session, TokenRevocation, str(account.id), account.role, not_before, reason)
    session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.account_id == account.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=not_before)
    )
    emit(
        session,
        "account.revoked",
        {
            "id": account.id,
            "role": account.role,
            "scope_id": account.scope_id,
            "not_before": not_before,
            "reason": reason,
        },
    )
    return not_before


def update_account(session: Session, account: Account, data: dict) -> Account:
    """Change an account's contact details, activity or password; setting it inactive or
    a new password revokes its tokens. Announced as ``account.updated``."""
    data = dict(data)
    reason = None
    if "password" in data:
        account.secret_hash = hash_secret(data.pop("password"))
        reason = "password_changed"
    if data.get("active") is False and account.active:
        reason = "account_inactive"
    for key, value in data.items():
        setattr(account, key, value)
    session.flush()
    emit(session, "account.updated", account_payload(account))
    if reason:
        revoke_tokens(session, account, reason)
    return account


def _DUMMY_HASH() -> str:  # noqa: N802 - a constant made on first use
    method = PASSWORD_METHOD["value"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("no-such-account", method=method)
    return _DUMMY[method]


_DUMMY: dict[str, str] = {}


class _BadCredentials(DomainError):
    status = 401
    title = "Invalid credentials"

    def __init__(self) -> None:
        super().__init__("wrong username or password")


BadCredentials = _BadCredentials


def require(session: Session, model, id_: int):
    obj = session.get(model, id_)
    if obj is None:
        raise NotFound(f"no {model.__tablename__} {id_}")
    return obj
