"""Request and response bodies of one-talk-a-month compliance, and the words of its
export sheets (``LABELS``)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.fields import Month
from shared.tabular import by_language
from shared.vocabulary import MENTOR_ROLES


class ComplianceArgs(Schema):
    """Query of the compliance report; unknown arguments are ignored as in lists."""

    class Meta:
        unknown = EXCLUDE

    month = Month(metadata={"description": "YYYY-MM; default: this month in the city"})
    town_id = fields.Integer(validate=validate.Range(min=1))
    unit_id = fields.Integer(validate=validate.Range(min=1))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    lang = fields.String(
        load_default="zh",
        validate=validate.OneOf(["zh", "en"]),
        metadata={"description": "language of the CSV/XLSX headers"},
    )


class RoleSummaryOut(Schema):
    cadence = fields.String(metadata={"description": "monthly or quarterly"})
    due = fields.Integer(metadata={"description": "trainees who need a talk from this role"})
    met = fields.Integer()
    rate = fields.Float(allow_none=True)


class ComplianceTraineeOut(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String(allow_none=True)
    town_id = fields.Integer(allow_none=True)
    town_name = fields.String(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    village_name = fields.String(allow_none=True)
    talks = fields.Integer(metadata={"description": "talks in the month"})
    compliant = fields.Boolean(metadata={"description": "at least one talk in the month"})
    roles = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(allow_none=True),
        metadata={"description": "per role: met, not met, or null when not required"},
    )


class ComplianceOut(Schema):
    month = Month()
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    total = fields.Integer(metadata={"description": "trainees active during the month"})
    compliant = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "compliant / total"})
    roles = fields.Dict(keys=fields.String(), values=fields.Nested(RoleSummaryOut))
    without_talk = fields.List(fields.Nested(ComplianceTraineeOut))
    trainees = fields.List(fields.Nested(ComplianceTraineeOut))


LABELS = by_language(
    {
        "columns": [
            ("学员编号", "Trainee id"),
            ("姓名", "Name"),
            ("用人单位", "Unit"),
            ("镇（街）", "Town"),
            ("村（社区）", "Village"),
            ("本月谈话次数", "Talks this month"),
            ("一月一谈是否达标", "One talk a month met"),
        ],
        "roles": {
            "integrity": (MENTOR_ROLES["integrity"], "Integrity mentor"),
            "business": (MENTOR_ROLES["business"], "Business mentor"),
            "responsible": (MENTOR_ROLES["responsible"], "Responsible mentor"),
            "practical": (MENTOR_ROLES["practical"], "Practical mentor"),
        },
        "cadence": {"monthly": ("每月", "monthly"), "quarterly": ("每季度", "quarterly")},
        "yes": ("是", "yes"),
        "no": ("否", "no"),
        "n/a": ("不适用", "n/a"),
        "detail_sheet": ("一月一谈", "One talk a month"),
        "summary_sheet": ("汇总", "Summary"),
        "summary": [
            ("月份", "Month"),
            ("范围", "Scope"),
            ("应谈人数", "Trainees"),
            ("已谈人数", "With a talk"),
            ("未谈人数", "Without a talk"),
            ("达标率", "Rate"),
        ],
        "role_summary": [
            ("导师类别", "Mentor role"),
            ("频次", "Cadence"),
            ("应谈人数", "Due"),
            ("已谈人数", "Met"),
            ("达标率", "Rate"),
        ],
        "city": ("全市", "whole city"),
    }
)
