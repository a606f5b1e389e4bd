"""Bodies and answers of the duty list, and the columns of its import sheet (the headers
people type, mapped to the fields), its template and notes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.reporting.models import PARTY_KINDS
from services.reporting.schemas.common import (
    _DATE,
    _ID,
    _YEAR,
    TEXT_MAX,
    ExportArgs,
    _required_text,
    _text,
)
from shared import fields as clean
from shared.http import ListArgs, StrictSchema, page_schema
from shared.tabular import EXAMPLE_ROW_NOTES


class DutyItemIn(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, strict=True, **_ID)
    title = _required_text(200)
    description = _text(load_default="")
    due_date = fields.Date(required=True, **_DATE)


class DutyItemRow(Schema):
    """One row of an imported sheet (values as the sheet gives them)."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, **_ID)
    # Read as clerks type them (shared.normalize): trimmed, NFKC, no control characters.
    title = clean.Text(required=True, blank=False, validate=validate.Length(min=1, max=200))
    description = clean.Text(
        multiline=True, load_default="", validate=validate.Length(max=TEXT_MAX)
    )
    due_date = fields.Date(required=True, **_DATE)


class DutyProgressIn(StrictSchema):
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    evidence = _required_text()


class DutyProgressOut(Schema):
    id = fields.Integer()
    percent = fields.Integer()
    evidence = fields.String()
    reported_on = fields.Date()
    by = fields.String()
    at = fields.DateTime()


class DutyItemOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    party_kind = fields.String()
    party_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    due_date = fields.Date()
    percent = fields.Integer()
    completed_on = fields.Date(allow_none=True)
    progress = fields.List(fields.Nested(DutyProgressOut))


DutyItemPage = page_schema(DutyItemOut, "DutyItemPage")


class DutyListArgs(ListArgs, ExportArgs):
    year = fields.Integer(validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(**_ID)
    completed = fields.Boolean()


class CompletionArgs(ExportArgs):
    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))


class CompletionOut(Schema):
    party_kind = fields.String()
    party_id = fields.Integer()
    party_name = fields.String()
    items = fields.Integer()
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    average_percent = fields.Decimal(as_string=True)
    rate = fields.Decimal(as_string=True, allow_none=True)


HEADERS = {
    "年度": "year",
    "责任主体类型": "party_kind",
    "主体类型": "party_kind",
    "责任主体编码": "party_code",
    "主体编码": "party_code",
    "选调生编号": "party_code",
    "事项": "title",
    "责任事项": "title",
    "具体内容": "description",
    "内容": "description",
    "完成时限": "due_date",
    "截止日期": "due_date",
}


#: A sheet's columns: the Chinese headers and the English field names.
COLUMNS = {
    **HEADERS,
    **{f: f for f in ("year", "party_kind", "party_code", "title", "description", "due_date")},
}


#: The template: (header, field, example value) of each column, in order.
TEMPLATE = (
    ("年度", "year", 2027),
    ("责任主体类型", "party_kind", "镇（街）"),
    ("责任主体编码", "party_code", "T01"),
    ("责任事项", "title", "示例：每季度召开一次选调生座谈会"),
    ("具体内容", "description", "了解思想动态和实际需求，形成会议记录"),
    ("完成时限", "due_date", "2027-12-31"),
)


TEMPLATE_NOTES = (
    *EXAMPLE_ROW_NOTES,
    "责任主体类型：单位、镇（街）、村（社区）、选调生；责任主体编码：单位、镇、村的编码，"
    "选调生填其编号。",
    "完成时限：2027-12-31、2027/12/31、2027.12.31、2027年12月31日 或 Excel 的日期单元格均可。",
    "同一年度、同一责任主体的同名事项只能有一条；已有的事项会被指出，不会重复导入。",
)
