"""Roster's rules: towns, villages and units."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.domain.common import _get, emit
from services.roster.models import Town, Village
from shared.errors import Conflict


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
        raise Conflict.on(
            "code", (f"编码 {code} 已被使用", f"code {code} is taken"), ("已被使用", "already used")
        )


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
