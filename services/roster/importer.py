"""Bulk import of trainees and people from XLSX or CSV, with a per-row error report.

A file with any error imports nothing: the clerk gets every row's errors at once, fixes
the sheet and uploads it again, and never has to work out which half went in. Headers may
be Chinese (as the Department's sheets have them) or the English field names. CSV may be
UTF-8 (with or without BOM) or GB18030, which Excel writes on Chinese Windows.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.roster import domain
from services.roster.models import Town, Unit, Village
from services.roster.schemas import PersonIn, TraineeIn
from shared.errors import DomainError

TRAINEE_HEADERS = {
    "姓名": "name",
    "性别": "gender",
    "出生日期": "birth_date",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "邮箱": "email",
    "学历": "education",
    "毕业院校": "school",
    "专业": "major",
    "届别": "cohort",
    "年度": "cohort",
    "单位编码": "unit_code",
    "村编码": "village_code",
    "村（社区）编码": "village_code",
    "派驻日期": "placement_start",
    "到村日期": "placement_start",
}
PERSON_HEADERS = {
    "姓名": "name",
    "性别": "gender",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "邮箱": "email",
    "职务类别": "position_kind",
    "职务": "title",
    "单位编码": "unit_code",
    "镇编码": "town_code",
    "镇（街）编码": "town_code",
    "村编码": "village_code",
    "村（社区）编码": "village_code",
}
POSITION_LABELS = {
    "领导班子成员": "unit_leadership",
    "中层干部": "unit_middle_cadre",
    "中层以上干部": "unit_middle_cadre",
    "党建副书记": "town_party_deputy",
    "镇党委副书记": "town_party_deputy",
    "村党组织书记": "village_party_secretary",
    "村书记": "village_party_secretary",
    "镇干部": "town_staff",
    "单位干部": "unit_staff",
}


def _canonical(raw: dict, aliases: dict) -> dict:
    out = {}
    for key, value in raw.items():
        field = aliases.get(key, key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[field] = value
    return out


def _codes(session: Session, model) -> dict[str, int]:
    return dict(session.execute(sa.select(model.code, model.id)).all())


def import_trainees(session: Session, rows: list[tuple[int, dict]], dry_run: bool) -> dict:
    """Validate every row, then (unless a dry run or any row failed) register them all."""
    units, villages = _codes(session, Unit), _codes(session, Village)
    schema = TraineeIn()
    valid, errors, seen = [], [], {}
    for number, raw in rows:
        row = _canonical(raw, TRAINEE_HEADERS)
        row_errors: dict = {}
        unit_code = row.pop("unit_code", None)
        village_code = row.pop("village_code", None)
        start = row.pop("placement_start", None)
        row = {k: v for k, v in row.items() if k in schema.fields}
        for key in ("phone", "id_number", "cohort"):
            if isinstance(row.get(key), int) and key != "cohort":
                row[key] = str(row[key])
        if isinstance(row.get("cohort"), str) and row["cohort"].isdigit():
            row["cohort"] = int(row["cohort"])
        if unit_code is None:
            row_errors["unit_code"] = ["required"]
        elif str(unit_code) not in units:
            row_errors["unit_code"] = [f"no unit with code {unit_code}"]
        else:
            row["unit_id"] = units[str(unit_code)]
        if village_code is not None:
            if str(village_code) not in villages:
                row_errors["village_code"] = [f"no village with code {village_code}"]
            elif start is None:
                row_errors["placement_start"] = ["required with a village"]
            else:
                row["placement"] = {"village_id": villages[str(village_code)], "start_date": start}
        try:
            loaded = schema.load(row)
        except ValidationError as exc:
            messages = dict(exc.messages)
            if "unit_code" in row_errors:
                messages.pop("unit_id", None)  # already reported by its code
            row_errors.update(messages)
            loaded = None
        id_number = row.get("id_number")
        if id_number:
            if id_number in seen:
                row_errors.setdefault("id_number", []).append(f"same as row {seen[id_number]}")
            seen.setdefault(id_number, number)
        if row_errors:
            errors.append({"row": number, "errors": row_errors})
        else:
            valid.append((number, loaded))
    return _commit_trainees(session, rows, valid, errors, dry_run)


def _commit_trainees(session, rows, valid, errors, dry_run) -> dict:
    """Register the valid rows in one go (``domain.register_trainees``)."""
    ids: list[int] = []
    if not errors:
        ids, failed = domain.register_trainees(session, [data for _, data in valid])
        for index, row_errors in sorted(failed.items()):
            errors.append({"row": valid[index][0], "errors": row_errors})
    return _report(session, "trainees", rows, ids, errors, dry_run)


def import_people(session: Session, rows: list[tuple[int, dict]], dry_run: bool) -> dict:
    """Validate every row (one person and at most one position each), then register them."""
    units, towns, villages = _codes(session, Unit), _codes(session, Town), _codes(session, Village)
    schema = PersonIn()
    valid, errors = [], []
    for number, raw in rows:
        row = _canonical(raw, PERSON_HEADERS)
        row_errors: dict = {}
        kind = row.pop("position_kind", None)
        title = row.pop("title", None) or ""
        places = {
            "unit_id": (row.pop("unit_code", None), units),
            "town_id": (row.pop("town_code", None), towns),
            "village_id": (row.pop("village_code", None), villages),
        }
        row = {
            k: (str(v) if isinstance(v, int) else v) for k, v in row.items() if k in schema.fields
        }
        if kind is not None:
            kind = POSITION_LABELS.get(str(kind), str(kind))
            if kind not in domain.POSITION_PLACE:
                row_errors["position_kind"] = [f"unknown kind {kind}"]
            else:
                field = domain.POSITION_PLACE[kind]
                code, table = places[field]
                if code is None:
                    row_errors[field.replace("_id", "_code")] = ["required for this kind"]
                elif str(code) not in table:
                    row_errors[field.replace("_id", "_code")] = [f"no such code {code}"]
                else:
                    row["positions"] = [{"kind": kind, "title": title, field: table[str(code)]}]
        try:
            loaded = schema.load(row)
        except ValidationError as exc:
            row_errors.update(exc.messages)
            loaded = None
        if row_errors:
            errors.append({"row": number, "errors": row_errors})
        else:
            valid.append((number, loaded))
    return _commit(session, "people", rows, valid, errors, dry_run, domain.create_person)


def _commit(session, kind, rows, valid, errors, dry_run, create) -> dict:
    ids = []
    if not errors:
        for number, data in valid:
            try:
                with session.begin_nested():
                    ids.append(create(session, data).id)
            except DomainError as exc:
                errors.append({"row": number, "errors": exc.errors or {"row": [exc.detail]}})
    return _report(session, kind, rows, ids, errors, dry_run)


def _report(session, kind, rows, ids, errors, dry_run) -> dict:
    report = {
        "kind": kind,
        "rows": len(rows),
        "imported": 0,
        "dry_run": dry_run,
        "errors": errors,
        "ids": [],
    }
    if errors or dry_run:
        session.rollback()
        return report
    report.update(imported=len(ids), ids=ids)
    return report
