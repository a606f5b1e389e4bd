"""Reading the committed OpenAPI documents: operations, their parameters, and request
bodies built from a schema (valid by the schema, with every party field naming whom the
caller chooses)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

from shared.clock import city_today, utcnow
from tests.security.conftest import openapi

TODAY = city_today("Asia/Shanghai")
LAST_MONTH = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"

#: Body or query fields that name a party, and the kind of party they name.
PARTY_FIELDS = {
    "trainee_id": "trainees",
    "town_id": "towns",
    "unit_id": "units",
    "village_id": "villages",
    "mentor_id": "mentors",
    "person_id": "mentors",
    "handler_person_id": "mentors",
    "handler_scope_id": "towns",
    "owner_id": "towns",
    "party_id": "towns",
    "participation_id": "participations",
    "trainee_ids": "trainees",
    "town_ids": "towns",
    "unit_ids": "units",
    "scope_id": "towns",
}
#: What a party field's companion "kind" field must say for the id above to be a town.
KIND_FIELDS = {"party_kind": "town", "owner_kind": "town", "handler_role": "town", "role": None}

#: Values for fields whose schema alone does not give a valid value.
NAMED = {
    "month": LAST_MONTH,
    "period": f"{TODAY:%Y-%m}",
    "code": f"{TODAY:%Y-%m}",
    "url": "http://127.0.0.1:9/hook",
    "event_types": ["need.raised"],
    "content": {"work_done": "工作"},
    "payment_ref": "ZF-2026-0001",
    "weights": {},
    "version": 1,
    "cohort": 2025,
    "year": TODAY.year,
    "percent": 50,
    "hours": 2,
    "channels": ["inbox"],
    "language": "zh",
    "grant_type": "password",
    "username": "nobody",
    "password": "a-long-password-1",
}


class Document:
    """One service's committed OpenAPI document."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.doc = openapi(service)
        self.components = self.doc.get("components", {}).get("schemas", {})
        self.prefix = f"/api/v1/{service}"

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].split("/")[-1]]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.resolve(schema["allOf"][0])
        return schema

    def operations(self):
        """(method, path without the prefix, operation, parameters) of every operation."""
        for path, item in self.doc["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    params = shared + op.get("parameters", [])
                    yield method.upper(), path.removeprefix(self.prefix), op, params

    def body_schema(self, op: dict) -> tuple[str | None, dict | None]:
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            return "application/json", self.resolve(content["application/json"]["schema"])
        for kind in ("text/csv", "multipart/form-data"):
            if kind in content:
                return kind, None
        return None, None

    def sample(self, schema: dict, party_value, name: str = "", depth: int = 0, all_=False):
        """A value valid by ``schema``; party fields get ``party_value(kind)``.

        ``all_``: fill optional properties too (party fields always are)."""
        schema = self.resolve(schema)
        if name in PARTY_FIELDS:
            value = party_value(PARTY_FIELDS[name])
            return [value] if name.endswith("_ids") else value
        if name in KIND_FIELDS and KIND_FIELDS[name] and "enum" in schema:
            if KIND_FIELDS[name] in schema["enum"]:
                return KIND_FIELDS[name]
        if name in NAMED:
            return NAMED[name]
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "object" or "properties" in schema:
            out = {}
            required = set(schema.get("required", []))
            for key, sub in schema.get("properties", {}).items():
                sub_r = self.resolve(sub)
                if sub_r.get("readOnly"):
                    continue
                if key in required or key in PARTY_FIELDS or (all_ and depth < 2):
                    out[key] = self.sample(sub_r, party_value, key, depth + 1, all_)
            return out
        if kind == "array":
            return [self.sample(schema.get("items", {}), party_value, name, depth + 1, all_)]
        if kind == "integer":
            return max(schema.get("minimum", 1), 1)
        if kind == "number":
            return max(schema.get("minimum", 1), 1)
        if kind == "boolean":
            return False
        if fmt == "date":
            return TODAY.isoformat()
        if fmt == "date-time":
            return utcnow().isoformat()
        if fmt == "email":
            return "someone@example.cn"
        if schema.get("pattern"):
            return _from_pattern(schema["pattern"])
        return "测试" * max(1, schema.get("minLength", 1))


def _from_pattern(pattern: str) -> str:
    """A few patterns the services use (months, periods, days)."""
    for candidate in (LAST_MONTH, f"{TODAY.year}-Q1", TODAY.isoformat(), "test"):
        if re.fullmatch(pattern, candidate):
            return candidate
    return "test"


def body_text(response) -> str:
    """The text a person would read in a response: JSON, CSV, or an XLSX's cells."""
    data = response.get_data()
    mimetype = response.mimetype or ""
    if "spreadsheetml" in mimetype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells.extend(str(v) for v in row if v is not None)
        return "\n".join(cells)
    text = data.decode("utf-8", "replace")
    if "json" in mimetype:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text
