"""Roster's rules: registering, placing and changing trainees, people and their positions,
accounts and logins. Every change that others must learn about records its event in the
outbox in the same transaction. No Flask here."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.roster.models import (
    Account,
    LoginThrottle,
    Outbox,
    Person,
    Placement,
    Position,
    StatusChange,
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


def authenticate(
    session: Session, username: str, secret: str, kind: str, max_failures: int, lock_seconds: int
) -> Account:
    """Check a username and password (or client id and secret). Repeated failures lock the
    account for ``lock_seconds``; every failure gives the same message. An unknown username
    is counted and locked alike (in ``login_throttle``), so that neither the answer nor the
    lock tells whether an account exists."""
    account = session.scalar(
        sa.select(Account).where(Account.username == username, Account.kind == kind)
    )
    counter = account
    if counter is None:
        counter = session.get(LoginThrottle, (kind, username)) or LoginThrottle(
            kind=kind, username=username, failed_logins=0
        )
    now = utcnow()
    if counter.locked_until and counter.locked_until > now:
        wait = int((counter.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts("too many failed attempts; try again later", wait)
    # An unknown username costs a hash check too, so timing tells nothing either.
    valid = check_password_hash(account.secret_hash if account else _DUMMY_HASH(), secret)
    if account is None or not account.active or not valid:
        counter.failed_logins += 1
        if counter.failed_logins >= max_failures:
            counter.locked_until = now + dt.timedelta(seconds=lock_seconds)
            counter.failed_logins = 0
        if account is None:
            session.merge(counter)
        raise _BadCredentials()
    account.failed_logins = 0
    account.locked_until = None
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
