"""Roster's tables."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import TYPE_ANNOTATION_MAP, utcnow
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.revocation import TokenRevocationMixin

TRAINEE_STATUSES = ("active", "completed", "withdrawn")
ROLES = ("city", "unit", "town", "mentor", "trainee")


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


class Town(Base):
    __tablename__ = "town"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Village(Base):
    __tablename__ = "village"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("town.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    town: Mapped[Town] = relationship()


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Person(Base):
    """A cadre; their positions decide which mentor roles they may hold."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    id_number: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    positions: Mapped[list[Position]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Position.id"
    )


class Position(Base):
    """A post a person holds (or held, when ``end_date`` is set)."""

    __tablename__ = "position"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("town.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("village.id"), index=True)
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(back_populates="positions")


class Trainee(Base):
    """A selected graduate. ``town_id``/``village_id`` mirror the current placement so that
    scope filters are one indexed column."""

    __tablename__ = "trainee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    birth_date: Mapped[dt.date | None]
    id_number: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    education: Mapped[str | None] = mapped_column(sa.String(32))
    school: Mapped[str | None] = mapped_column(sa.String(100))
    major: Mapped[str | None] = mapped_column(sa.String(100))
    cohort: Mapped[int]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("town.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("village.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    placements: Mapped[list[Placement]] = relationship(
        back_populates="trainee", order_by="Placement.start_date"
    )

    __mapper_args__ = {"version_id_col": version}


class Placement(Base):
    """A stay at a village; at most one per trainee has no ``end_date`` and is current."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("trainee.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("village.id"))
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("town.id"))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    is_current: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    trainee: Mapped[Trainee] = relationship(back_populates="placements")


class StatusChange(Base):
    """The history of a trainee's status."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("trainee.id"), index=True)
    from_status: Mapped[str] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    effective_date: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    changed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Failed logins of a username that has no account, counted like an account's so that
    the lock (429) tells nobody which usernames exist."""

    __tablename__ = "login_throttle"

    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    lock_level: Mapped[int] = mapped_column(default=0)


class Account(Base):
    """A login (a person's password) or a client credential (a town's own system)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8), default="user")  # user | client
    secret_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16))
    scope_id: Mapped[int | None]
    display_name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    #: locks since the last successful login: the next lock lasts twice as long (capped)
    lock_level: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PossibleDuplicate(Base):
    """Two rows that may be one person, found but not merged: migration 0004 records here
    the rows whose identity numbers became the same once normalised (the second keeps
    its value as it was, so that the unique index holds). The city lists them
    (``GET /duplicates``) and decides."""

    __tablename__ = "possible_duplicate"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)  # e.g. trainee.id_number
    first_id: Mapped[int]
    second_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(64))
    found_by: Mapped[str] = mapped_column(sa.String(64), default="")
    found_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "first_id", "second_id"),)


class TokenRevocation(TokenRevocationMixin, Base):
    """Tokens of an account issued before ``not_before`` are refused (the source of
    ``account.revoked``; roster checks it directly)."""


class RefreshToken(Base):
    """A refresh token (stored as its SHA-256 only). Each use rotates it: the token is
    marked used and a new one of the same ``family`` (one sign-in) is issued, expiring
    when the family does. A used token presented again after the grace period is taken
    for a stolen one: the whole family is revoked."""

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family: Mapped[str] = mapped_column(sa.String(36), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class KnownClient(Base):
    """A client that signed in to an account with its password: an address (as the web
    process sees it, see ``TRUSTED_PROXY_HOPS``) or a device id (its SHA-256). A correct
    password from a known client opens a locked account, so that a lock set by someone
    else never keeps the account's holder out."""

    __tablename__ = "known_client"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # address | device
    value: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_seen: Mapped[dt.datetime]
