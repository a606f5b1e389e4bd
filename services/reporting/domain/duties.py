"""The duty list (责任清单): each year's responsibilities of units, towns, village committees
and trainees, their progress with evidence, and completion rates. No Flask here.

Rules:

- An item belongs to one party: a unit, a town, a village committee or a trainee. Its
  scope follows the party: a village's item is its town's; a trainee's item is its unit's
  and (when placed) its town's. The city creates and imports items; whoever's scope covers
  an item reads it and reports its progress (a town for itself, its villages and the
  trainees placed in it; a unit for itself and its trainees; a trainee for itself).
- Progress only moves forward: each update gives the percent reached (0-100, not below
  the last) and the evidence (text, required). Reaching 100 completes the item on that
  day; a completed item takes no more updates. Completed on time: on or before its due
  date.
- Completion rate of a party: completed items / items (None when it has none).
- A list loaded from XLSX/CSV imports whole or not at all: every row is checked first and
  any row in error makes the import answer every row's errors and store nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.reporting.models import (
    PARTY_KINDS,
    DutyItem,
    DutyProgress,
    Town,
    Trainee,
    Unit,
    Village,
)
from shared import normalize
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, DomainError, NotFound
from shared.i18n import clerk_messages
from shared.normalize import message
from shared.tabular import Sheet

PARTY_LABELS = {
    "单位": "unit",
    "用人单位": "unit",
    "镇": "town",
    "镇（街）": "town",
    "镇街": "town",
    "村": "village",
    "村（社区）": "village",
    "村委会": "village",
    "选调生": "trainee",
    "学员": "trainee",
}
_KIND_ZH = {"unit": "单位", "town": "镇（街）", "village": "村（社区）", "trainee": "选调生"}
#: The labels as compared (NFKC: "镇（街）" typed with ASCII or full-width parentheses).
_PARTY_LABELS = {normalize.tidy(label): kind for label, kind in PARTY_LABELS.items()}


# -- parties and scope ---------------------------------------------------------------------


#: The rows of each kind of party.
_PARTY_MODELS = {"unit": Unit, "town": Town, "village": Village, "trainee": Trainee}


def find_party(session: Session, kind: str, party_id: int):
    """The party (a unit, town, village or trainee) of ``kind``; NotFound if unknown."""
    party = session.get(_PARTY_MODELS[kind], party_id)
    if party is None:
        name = _KIND_ZH[kind]
        raise NotFound.on(
            "party_id", (f"找不到该{name}", f"no such {kind}"), (f"{name}不存在", f"unknown {kind}")
        )
    return party


def party_places(session: Session, kind: str, party_id: int) -> tuple[int | None, int | None]:
    """(town_id, unit_id) of the scope a party's items fall in; NotFound if unknown."""
    party = find_party(session, kind, party_id)
    if kind == "unit":
        return None, party.id
    if kind == "town":
        return party.id, None
    if kind == "village":
        return party.town_id, None
    return party.town_id, party.unit_id


def scope_clause(principal: Principal):
    """The duty items a caller may read and update."""
    role, scope = principal.role, principal.scope_id
    if role == "city":
        return sa.true()
    if role == "town":
        return DutyItem.town_id == scope
    if role == "unit":
        return DutyItem.unit_id == scope
    if role == "trainee":
        return sa.and_(DutyItem.party_kind == "trainee", DutyItem.party_id == scope)
    return sa.false()


def in_scope(principal: Principal, item: DutyItem) -> bool:
    """Whether the caller's scope covers ``item``."""
    role, scope = principal.role, principal.scope_id
    if role == "city":
        return True
    if role == "town":
        return item.town_id == scope
    if role == "unit":
        return item.unit_id == scope
    if role == "trainee":
        return item.party_kind == "trainee" and item.party_id == scope
    return False


# -- items and progress --------------------------------------------------------------------


def create_item(session: Session, data: dict, by: str) -> DutyItem:
    """Add one item for a known party (a second item with the same title for the same party
    and year is a Conflict)."""
    town_id, unit_id = party_places(session, data["party_kind"], data["party_id"])
    if data["due_date"].year < data["year"]:
        raise DomainError.on(
            "due_date",
            ("完成时限早于事项所属年度", "the due date is before the item's year"),
            ("早于所属年度", "before the year"),
        )
    exists = session.scalar(
        sa.select(DutyItem.id).where(
            DutyItem.year == data["year"],
            DutyItem.party_kind == data["party_kind"],
            DutyItem.party_id == data["party_id"],
            DutyItem.title == data["title"],
        )
    )
    if exists is not None:
        raise Conflict.on(
            "title",
            (
                "该责任主体本年度已有同名事项",
                "this party already has an item with this title this year",
            ),
            (f"与事项 {exists} 同名", f"same as item {exists}"),
        )
    item = DutyItem(
        year=data["year"],
        party_kind=data["party_kind"],
        party_id=data["party_id"],
        town_id=town_id,
        unit_id=unit_id,
        title=data["title"],
        description=data.get("description", ""),
        due_date=data["due_date"],
        created_by=by,
    )
    session.add(item)
    session.flush()
    return item


def report_progress(
    session: Session, item: DutyItem, percent: int, evidence: str, *, today: dt.date, by: str
) -> DutyProgress:
    """Record progress on ``item`` (forward only; 100 completes it today) with its
    ``evidence`` (not blank: the body's schema refuses it at the door)."""
    # The row lock orders two simultaneous updates of one item.
    session.refresh(item, with_for_update=True)
    if item.completed_on is not None:
        raise Conflict.already("percent", ("该事项", "this item"), ("完成", "completed"))
    if percent < item.percent:
        raise DomainError.on(
            "percent",
            ("进度只能增加，不能低于上次填报", "progress only moves forward"),
            (f"低于上次填报的 {item.percent}%", f"below the last reported {item.percent}%"),
        )
    entry = DutyProgress(item=item, percent=percent, evidence=evidence, reported_on=today, by=by)
    session.add(entry)
    item.percent = percent
    item.updated_at = utcnow()
    if percent == 100:
        item.completed_on = today
    session.flush()
    return entry


@dataclass(slots=True)
class Completion:
    """One party's completion of its items in a year."""

    party_kind: str
    party_id: int
    party_name: str
    items: int
    completed: int
    completed_on_time: int
    average_percent: Decimal

    @property
    def rate(self) -> Decimal | None:
        """Completed items / items, to four places (None with no items)."""
        if not self.items:
            return None
        return (Decimal(self.completed) / self.items).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def completion(
    session: Session, year: int, principal: Principal, party_kind: str | None = None
) -> list[Completion]:
    """Completion per party for ``year`` over the items the caller may see."""
    today_done = sa.case((DutyItem.completed_on.is_not(None), 1), else_=0)
    on_time = sa.case((DutyItem.completed_on <= DutyItem.due_date, 1), else_=0)
    query = (
        sa.select(
            DutyItem.party_kind,
            DutyItem.party_id,
            sa.func.count(),
            sa.func.sum(today_done),
            sa.func.sum(on_time),
            sa.func.avg(DutyItem.percent),
        )
        .where(DutyItem.year == year, scope_clause(principal))
        .group_by(DutyItem.party_kind, DutyItem.party_id)
        .order_by(DutyItem.party_kind, DutyItem.party_id)
    )
    if party_kind:
        query = query.where(DutyItem.party_kind == party_kind)
    names = party_names(session)
    return [
        Completion(
            party_kind=kind,
            party_id=party_id,
            party_name=names.get((kind, party_id), ""),
            items=items,
            completed=int(done or 0),
            completed_on_time=int(timely or 0),
            average_percent=Decimal(str(avg or 0)).quantize(Decimal("0.1"), ROUND_HALF_UP),
        )
        for kind, party_id, items, done, timely, avg in session.execute(query).all()
    ]


def party_names(session: Session) -> dict[tuple[str, int], str]:
    """(kind, id) -> name of every known party."""
    names: dict[tuple[str, int], str] = {}
    for kind, model in (("unit", Unit), ("town", Town), ("village", Village), ("trainee", Trainee)):
        for party_id, name in session.execute(sa.select(model.id, model.name)).all():
            names[(kind, party_id)] = name
    return names


# -- import --------------------------------------------------------------------------------


def _canonical(raw: dict, errors: dict) -> dict:
    out = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if key == "due_date" and value is not None:
            try:
                value = normalize.parse_date(value).isoformat()
            except normalize.Invalid as exc:
                errors["due_date"] = exc.messages
                continue
        out[key] = value
    return out


def _party_ids(session: Session) -> dict[str, dict[str, int]]:
    """Per party kind: code (or, for trainees, the id as text) -> id."""
    table = {
        kind: {code: id_ for code, id_ in session.execute(sa.select(model.code, model.id)).all()}
        for kind, model in (("unit", Unit), ("town", Town), ("village", Village))
    }
    table["trainee"] = {str(i): i for i in session.scalars(sa.select(Trainee.id))}
    return table


def import_items(session: Session, sheet: Sheet, schema, by: str, dry_run: bool) -> dict:
    """Check every row of a sheet (``shared.tabular``), then (unless a dry run or any row
    failed) add every item. Every row's errors come in one pass, an item already in the
    list and the same item twice in the file included.

    Columns: 年度 year, 责任主体类型 party_kind (单位, 镇（街）, 村（社区）, 选调生 or the
    English kinds), 责任主体编码 party_code (the unit's, town's or village's code; a
    trainee's id), 责任事项 title, 具体内容 description, 完成时限 due_date (as clerks
    type dates)."""
    parties = _party_ids(session)
    valid, errors, seen = [], [], {}
    for number, raw in sheet.rows:
        row_errors: dict = {k: list(v) for k, v in sheet.cell_errors.get(number, {}).items()}
        row = _canonical(raw, row_errors)
        kind = row.pop("party_kind", None)
        code = row.pop("party_code", None)
        kind = normalize.tidy(str(kind)) if kind is not None else None
        kind = _PARTY_LABELS.get(kind, kind)
        code = normalize.tidy(str(code)) if code is not None else None
        if kind is None:
            row_errors["party_kind"] = [message("必填", "required")]
        elif kind not in PARTY_KINDS:
            row_errors["party_kind"] = [message(f"未知的类型 {kind}", f"unknown kind {kind}")]
        elif code is None:
            row_errors.setdefault("party_code", [message("必填", "required")])
        elif code not in parties[kind]:
            row_errors["party_code"] = [
                message(f"没有编码为 {code} 的{_KIND_ZH[kind]}", f"no {kind} with code {code}")
            ]
        else:
            row["party_kind"] = kind
            row["party_id"] = parties[kind][code]
        if isinstance(row.get("year"), str) and normalize.nfkc(row["year"]).isdigit():
            row["year"] = int(normalize.nfkc(row["year"]))
        row = {k: v for k, v in row.items() if k in schema.fields and k not in row_errors}
        if row.get("description") is None:
            row.pop("description", None)
        loaded = None
        try:
            loaded = schema.load(row)
        except ValidationError as exc:
            messages = clerk_messages(dict(exc.messages))
            if "party_kind" in row_errors or "party_code" in row_errors:
                messages.pop("party_kind", None)
                messages.pop("party_id", None)
            for key, value in messages.items():
                row_errors.setdefault(key, value)
        if loaded is not None:
            key = (loaded["year"], loaded["party_kind"], loaded["party_id"], loaded["title"])
            if key in seen:
                row_errors.setdefault("title", []).append(
                    message(f"与第 {seen[key]} 行是同一事项", f"same item as row {seen[key]}")
                )
            seen.setdefault(key, number)
        if row_errors:
            errors.append({"row": number, "errors": row_errors})
        else:
            valid.append((number, loaded))
    _already_listed(session, seen, errors)
    errors.sort(key=lambda e: e["row"])
    ids = []
    if not errors:
        for number, data in valid:
            try:
                with session.begin_nested():
                    ids.append(create_item(session, data, by).id)
            except DomainError as exc:
                errors.append(
                    {"row": number, "errors": clerk_messages(exc.errors or {"row": [exc.detail]})}
                )
    report = {
        "rows": len(sheet.rows),
        "imported": 0,
        "dry_run": dry_run,
        "errors": errors,
        "ids": [],
        "header_row": sheet.header_row,
        "columns": sheet.columns,
        "skipped": sheet.skipped,
    }
    if errors or dry_run:
        session.rollback()
        return report
    report.update(imported=len(ids), ids=ids)
    return report


def _already_listed(session: Session, seen: dict[tuple, int], errors: list[dict]) -> None:
    """An error for each row whose item (year, party, title) is already in the list."""
    if not seen:
        return
    titles = {key[3] for key in seen}
    existing = session.execute(
        sa.select(
            DutyItem.year, DutyItem.party_kind, DutyItem.party_id, DutyItem.title, DutyItem.id
        ).where(DutyItem.title.in_(titles))
    ).all()
    by_row = {e["row"]: e["errors"] for e in errors}
    for year, kind, party_id, title, item_id in existing:
        number = seen.get((year, kind, party_id, title))
        if number is None:
            continue
        if number not in by_row:
            by_row[number] = {}
            errors.append({"row": number, "errors": by_row[number]})
        by_row[number].setdefault("title", []).append(
            message(f"已有此事项（#{item_id}）", f"already in the list as item {item_id}")
        )
