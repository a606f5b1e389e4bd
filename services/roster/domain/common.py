"""What roster's rules share: the outbox, finding a row or refusing, the search of
trainees and people, the uniqueness of identity numbers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.models import Outbox
from shared import normalize
from shared.errors import Conflict, DomainError, NotFound
from shared.normalize import message
from shared.outbox import emitter
from shared.vocabulary import ACCOUNT_ROLES, PLACES

PRODUCER = "roster"

#: Roster's records (by table) and roles in Chinese, for refusals (没有编号为 5 的村（社区）).
NAMES = {**ACCOUNT_ROLES, **PLACES, "person": "干部"}


def name_zh(code: str) -> str:
    """The Chinese name of a table or role (:data:`NAMES`), else the code."""
    return NAMES.get(code, code)


def no_such(model, id_) -> str:
    """``没有编号为 … 的… / no … with id …``: the refusal of an id that names no row."""
    table = model.__tablename__
    return message(f"没有编号为 {id_} 的{name_zh(table)}", f"no {table} with id {id_}")


emit = emitter(Outbox, PRODUCER)


def _get(session: Session, model, id_: int | None, field: str):
    obj = session.get(model, id_) if id_ is not None else None
    if obj is None:
        raise DomainError.no_such(field, id_, (name_zh(model.__tablename__), model.__tablename__))
    return obj


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
        raise Conflict.on(
            "id_number",
            ("该身份证号已登记", "this identity number is already registered"),
            ("已登记", "already registered"),
        )


def require(session: Session, model, id_: int):
    obj = session.get(model, id_)
    if obj is None:
        table = model.__tablename__
        raise NotFound(message(f"没有编号为 {id_} 的{name_zh(table)}", f"no {table} {id_}"))
    return obj
