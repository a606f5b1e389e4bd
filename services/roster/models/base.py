"""Roster's base and platform tables: the outbox and the idempotency keys."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass
