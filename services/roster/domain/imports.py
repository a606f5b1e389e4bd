"""Bulk import of trainees and people from XLSX or CSV, with a per-row error report.

A file with any error imports nothing: the clerk gets every row's errors at once, fixes
the sheet and uploads it again, and never has to work out which half went in. Headers may
be Chinese (as the Department's sheets have them) or the English field names, below title
rows (``shared.tabular`` finds the header row). CSV may be UTF-8 (with or without BOM) or
GB18030, which Excel writes on Chinese Windows. Values go through the same fields as the
API (``shared.normalize``): names trimmed, identity numbers checked, phones as E.164,
dates as clerks type them (``1996/03/02``, ``1996.3.2``, ``1996年3月2日``, Excel's).

Every row's errors come in one pass, also those that need the other rows or the
database:

- **already registered**: the identity number (normalised) is a registered trainee's or
  person's;
- **the same identity number** as an earlier row of the file;
- **possible duplicate**: a row whose trainee has the same name, birth date and unit as a
  registered trainee (a cadre: the same name and the same place of their position), when
  either of the two has no identity number — so that uploading a file a second time
  creates nothing new even for rows without one. Such a row is refused, never merged and
  never created twice; if they really are two people, give both their identity numbers
  (edit the registered one first) and upload again. Two rows of the file alike in the
  same way are reported the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.roster.domain.people import create_person
from services.roster.domain.trainees import register_trainees
from services.roster.models import Person, Position, Town, Trainee, Unit, Village
from services.roster.schemas.imports import (
    POSITION_LABELS,
)
from services.roster.schemas.people import POSITION_PLACE, PersonIn
from services.roster.schemas.trainees import TraineeIn
from shared import normalize
from shared.errors import DomainError
from shared.i18n import clerk_messages
from shared.normalize import message
from shared.tabular import Sheet

_POSITION_LABELS = {normalize.tidy(label): kind for label, kind in POSITION_LABELS.items()}


def example(template) -> dict:
    """A template's example row, {field: value}."""
    return {field: value for _header, field, value in template}


#: Fields read as dates, and as text.
_DATES = ("birth_date", "placement_start")
_TEXT = ("name", "gender", "email", "education", "school", "major", "title", "position_kind")


def _cells(raw: dict, errors: dict) -> dict:
    """A sheet row's cells as the schema reads them: blank cells dropped, numbers that
    are text as text, dates as ISO text (or an error of the row)."""
    row = {}
    for key, value in raw.items():
        if isinstance(value, str) and key != "name":  # a blank name is named as such
            value = value if value.strip() else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is None:
            continue
        if key in _DATES:
            try:
                value = normalize.parse_date(value).isoformat()
            except normalize.Invalid as exc:
                errors[key] = exc.messages
                continue
        elif key == "id_number" and not isinstance(value, str):
            try:
                normalize.id_number(value)
            except normalize.Invalid as exc:
                errors[key] = exc.messages
            continue
        elif key == "cohort" and isinstance(value, str) and value.strip().isdigit():
            value = int(normalize.nfkc(value).strip())
        elif key in _TEXT or key == "phone":
            value = value.isoformat() if isinstance(value, dt.date) else str(value)
        row[key] = value
    return row


def _quietly(fn, value):
    """``fn(value)``, or None when it refuses the value."""
    if not isinstance(value, str):
        return None
    try:
        return fn(value)
    except ValueError:  # normalize.Invalid too
        return None


#: Values looked up in one statement (a database takes a bounded number of parameters).
CHUNK = 1000


def _in_chunks(session: Session, query, values) -> list:
    """The rows of ``query(part)`` for every part of ``values`` (CHUNK at a time)."""
    values = sorted(values, key=str)
    rows = []
    for start in range(0, len(values), CHUNK):
        rows += session.execute(query(values[start : start + CHUNK])).all()
    return rows


def _code(value) -> str:
    return normalize.nfkc(str(value)).strip()


def _load(schema, row: dict, errors: dict):
    """The row loaded by ``schema``, or None with its errors (in Chinese first) added;
    fields already in error keep their first message."""
    try:
        return schema.load(row)
    except ValidationError as exc:
        for key, messages in clerk_messages(exc.messages).items():
            errors.setdefault(key, messages)
        return None


def _report(kind: str, sheet: Sheet, errors: list, dry_run: bool) -> dict:
    return {
        "kind": kind,
        "rows": len(sheet.rows),
        "imported": 0,
        "dry_run": dry_run,
        "errors": sorted(errors, key=lambda e: e["row"]),
        "ids": [],
        "header_row": sheet.header_row,
        "columns": sheet.columns,
        "skipped": sheet.skipped,
    }


class _Rows:
    """Errors by row number, and the checks across rows and against the database."""

    def __init__(self) -> None:
        self.errors: dict[int, dict] = {}
        #: (row number, loaded row) of the rows without errors.
        self.valid: list[tuple[int, dict]] = []
        #: row number -> identity number, for the checks across rows.
        self.numbers: dict[int, str] = {}
        #: row number -> what a possible duplicate shares (see ``alike``).
        self.keys: dict[int, tuple] = {}

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, dict, dict]]:
        """Each data row of ``sheet``: its number, its cells as the schema reads them
        (:func:`_cells`) and its errors so far (cells over the length limit first)."""
        for number, raw in sheet.rows:
            row_errors: dict = {k: list(v) for k, v in sheet.cell_errors.get(number, {}).items()}
            yield number, _cells(raw, row_errors), row_errors

    def load(
        self, number: int, schema, row: dict, row_errors: dict
    ) -> tuple[dict | None, str | None]:
        """The row loaded by ``schema`` (None when it fails; a cell already in error is not
        read again) and its name as normalized (None when there is none); its identity
        number kept for the checks across rows."""
        for key in row_errors:
            row.pop(key, None)
        loaded = _load(schema, row, row_errors)
        id_number = (
            loaded["id_number"] if loaded else _quietly(normalize.id_number, row.get("id_number"))
        )
        if id_number:
            self.numbers[number] = id_number
        return loaded, loaded["name"] if loaded else _quietly(normalize.name, row.get("name"))

    def keep(self, number: int, loaded: dict | None, row_errors: dict) -> None:
        """A row read: its errors, or (loaded without any) the row as valid."""
        for key, messages in row_errors.items():
            for text in messages:
                self.add(number, key, text)
        if loaded is not None and not row_errors:
            self.valid.append((number, loaded))

    def add(self, number: int, key: str, text: str) -> None:
        self.errors.setdefault(number, {}).setdefault(key, []).append(text)

    def id_numbers(self, session: Session, model: type, what: tuple) -> None:
        """Flag the identity numbers given twice in the file, and those already
        registered as a ``model`` (``what``: its name in Chinese and English)."""
        numbers = self.numbers
        self.same_id_numbers(numbers)
        taken = dict(
            _in_chunks(
                session,
                lambda part: sa.select(model.id_number, model.id).where(model.id_number.in_(part)),
                set(numbers.values()),
            )
        )
        self.registered(numbers, taken, what)

    def same_id_numbers(self, numbers: dict[int, str]) -> None:
        first: dict[str, int] = {}
        for number, value in numbers.items():
            if value in first:
                self.add(
                    number,
                    "id_number",
                    message(f"与第 {first[value]} 行身份证号相同", f"same as row {first[value]}"),
                )
            first.setdefault(value, number)

    def registered(self, numbers: dict[int, str], taken: dict[str, int], what: tuple) -> None:
        for number, value in numbers.items():
            if value in taken:
                self.add(
                    number,
                    "id_number",
                    message(
                        f"已登记：与{what[0]} #{taken[value]} 身份证号相同",
                        f"already registered: the identity number of {what[1]} {taken[value]}",
                    ),
                )

    def alike(
        self,
        registered: dict[tuple, list[tuple[int, str | None]]],
        duplicate_of: Callable[[int], str],
        same_as_row: Callable[[int], str],
    ) -> None:
        """Flag each row whose key (``keys``) a registered record (``registered``: key ->
        [(id, identity number)]) or an earlier row shares, where either has no identity
        number, in the words of ``duplicate_of(id)`` and of ``same_as_row(row)`` (only
        the first such row)."""
        numbers = self.numbers
        earlier: dict[tuple, list[int]] = defaultdict(list)
        for number, key in self.keys.items():
            mine = numbers.get(number)
            for record_id, theirs in registered.get(key, []):
                if not (mine and theirs):
                    self.add(number, "name", duplicate_of(record_id))
            for other in earlier[key]:
                if not (mine and numbers.get(other)):
                    self.add(number, "name", same_as_row(other))
                    break
            earlier[key].append(number)

    def as_list(self) -> list[dict]:
        return [{"row": n, "errors": e} for n, e in sorted(self.errors.items())]


# -- trainees -------------------------------------------------------------------------------


def import_trainees(session: Session, sheet: Sheet, dry_run: bool) -> dict:
    """Check every row (in one pass, see the module), then, unless a dry run or any row
    failed, register them all."""
    units = dict(session.execute(sa.select(Unit.code, Unit.id)).all())
    villages = dict(session.execute(sa.select(Village.code, Village.id)).all())
    schema = TraineeIn()
    checks = _Rows()
    for number, row, row_errors in checks.rows(sheet):
        unit_code = row.pop("unit_code", None)
        village_code = row.pop("village_code", None)
        start = row.pop("placement_start", None)
        if unit_code is None:
            row_errors.setdefault("unit_code", [message("必填", "required")])
        elif _code(unit_code) not in units:
            row_errors["unit_code"] = [
                message(f"没有编码为 {unit_code} 的单位", f"no unit with code {unit_code}")
            ]
        else:
            row["unit_id"] = units[_code(unit_code)]
        if village_code is not None:
            if _code(village_code) not in villages:
                row_errors["village_code"] = [
                    message(
                        f"没有编码为 {village_code} 的村", f"no village with code {village_code}"
                    )
                ]
            elif start is None:
                row_errors.setdefault(
                    "placement_start", [message("填写村编码时必填", "required with a village")]
                )
            else:
                row["placement"] = {
                    "village_id": villages[_code(village_code)],
                    "start_date": start,
                }
        loaded, name = checks.load(number, schema, row, row_errors)
        row_errors.pop("unit_id", None)  # reported by its code
        if name and "unit_id" in row and "birth_date" not in row_errors:
            birth = (
                loaded["birth_date"]
                if loaded
                else _quietly(dt.date.fromisoformat, row.get("birth_date"))
            )
            checks.keys[number] = (name, birth, row["unit_id"])
        checks.keep(number, loaded, row_errors)
    checks.id_numbers(session, Trainee, ("选调生", "trainee"))
    _possible_trainee_duplicates(session, checks)
    errors = checks.as_list()
    report = _report("trainees", sheet, errors, dry_run)
    if errors:
        session.rollback()
        return report
    valid = checks.valid
    ids, failed = register_trainees(session, [data for _, data in valid])
    if failed:
        report["errors"] = [
            {"row": valid[index][0], "errors": clerk_messages(row_errors)}
            for index, row_errors in sorted(failed.items())
        ]
    if report["errors"] or dry_run:
        session.rollback()
        return report
    report.update(imported=len(ids), ids=ids)
    return report


def _possible_trainee_duplicates(session: Session, checks: _Rows) -> None:
    """Rows alike a registered trainee or an earlier row by name, birth date and unit,
    where either has no identity number."""
    keys = checks.keys
    if not keys:
        return
    names = {key[0] for key in keys.values()}
    unit_ids = {key[2] for key in keys.values()}
    registered = defaultdict(list)
    query = sa.select(
        Trainee.id, Trainee.name, Trainee.birth_date, Trainee.unit_id, Trainee.id_number
    )
    for tid, name, birth, unit_id, id_number in _in_chunks(
        session,
        lambda part: query.where(Trainee.name.in_(part), Trainee.unit_id.in_(unit_ids)),
        names,
    ):
        registered[(name, birth, unit_id)].append((tid, id_number))
    checks.alike(
        registered,
        lambda tid: message(
            f"可能重复：与已登记的选调生 #{tid} 姓名、出生日期、单位相同；"
            "如确是两人，请为两人都填写身份证号",
            f"possibly a duplicate of trainee {tid} (the same name, birth date "
            "and unit); if they are two people, give both identity numbers",
        ),
        lambda other: message(
            f"可能与第 {other} 行是同一人（姓名、出生日期、单位相同）",
            f"possibly the same person as row {other} (the same name, birth date and unit)",
        ),
    )


# -- people ---------------------------------------------------------------------------------


def import_people(session: Session, sheet: Sheet, dry_run: bool) -> dict:
    """Check every row (one person and at most one position each; in one pass, see the
    module), then, unless a dry run or any row failed, register them."""
    places = {
        "unit_id": dict(session.execute(sa.select(Unit.code, Unit.id)).all()),
        "town_id": dict(session.execute(sa.select(Town.code, Town.id)).all()),
        "village_id": dict(session.execute(sa.select(Village.code, Village.id)).all()),
    }
    schema = PersonIn()
    checks = _Rows()
    for number, row, row_errors in checks.rows(sheet):
        kind = row.pop("position_kind", None)
        title = row.pop("title", None) or ""
        codes = {f: row.pop(f.replace("_id", "_code"), None) for f in places}
        place = None
        if kind is not None:
            kind = _POSITION_LABELS.get(normalize.tidy(kind), normalize.tidy(kind))
            if kind not in POSITION_PLACE:
                row_errors["position_kind"] = [
                    message(f"未知的职务类别 {kind}", f"unknown kind {kind}")
                ]
            else:
                field = POSITION_PLACE[kind]
                code, column = codes[field], field.replace("_id", "_code")
                if code is None:
                    row_errors.setdefault(
                        column, [message("该职务类别必填", "required for this kind")]
                    )
                elif _code(code) not in places[field]:
                    row_errors[column] = [message(f"没有编码 {code}", f"no such code {code}")]
                else:
                    place = (field, places[field][_code(code)])
                    row["positions"] = [{"kind": kind, "title": title, field: place[1]}]
        loaded, name = checks.load(number, schema, row, row_errors)
        if name and (place is not None or kind is None):
            checks.keys[number] = (name, place)
        checks.keep(number, loaded, row_errors)
    checks.id_numbers(session, Person, ("干部", "person"))
    _possible_person_duplicates(session, checks)
    errors = checks.as_list()
    report = _report("people", sheet, errors, dry_run)
    ids = []
    if not errors:
        for number, data in checks.valid:
            try:
                with session.begin_nested():
                    ids.append(create_person(session, data).id)
            except DomainError as exc:
                errors.append(
                    {"row": number, "errors": clerk_messages(exc.errors or {"row": [exc.detail]})}
                )
        report["errors"] = errors
    if errors or dry_run:
        session.rollback()
        return report
    report.update(imported=len(ids), ids=ids)
    return report


def _possible_person_duplicates(session: Session, checks: _Rows) -> None:
    """Rows alike a registered person or an earlier row by name and the place of their
    position (or both without one), where either has no identity number."""
    keys = checks.keys
    if not keys:
        return
    names = {key[0] for key in keys.values()}
    registered = defaultdict(list)
    people = _in_chunks(
        session,
        lambda part: sa.select(Person.id, Person.name, Person.id_number).where(
            Person.name.in_(part)
        ),
        names,
    )
    held = defaultdict(set)
    if people:
        for person_id, unit_id, town_id, village_id in _in_chunks(
            session,
            lambda part: sa.select(
                Position.person_id, Position.unit_id, Position.town_id, Position.village_id
            ).where(Position.person_id.in_(part), Position.end_date.is_(None)),
            [p[0] for p in people],
        ):
            for field, value in (
                ("unit_id", unit_id),
                ("town_id", town_id),
                ("village_id", village_id),
            ):
                if value is not None:
                    held[person_id].add((field, value))
    for person_id, name, id_number in people:
        for place in held[person_id] or {None}:
            registered[(name, place)].append((person_id, id_number))
    checks.alike(
        registered,
        lambda person_id: message(
            f"可能重复：与已登记的干部 #{person_id} 姓名相同、任职地点相同；"
            "如确是两人，请为两人都填写身份证号",
            f"possibly a duplicate of person {person_id} (the same name and "
            "place); if they are two people, give both identity numbers",
        ),
        lambda other: message(
            f"可能与第 {other} 行是同一人（姓名、任职地点相同）",
            f"possibly the same person as row {other} (the same name and place)",
        ),
    )
