"""Roster's base and platform tables: the outbox and the idempotency keys."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import TYPE_ANNOTATION_MAP
from shared.platform_models import declare_platform


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


PLATFORM = declare_platform(Base, inbox=False)
Outbox, IdempotencyKey = PLATFORM.outbox, PLATFORM.idempotency_key
