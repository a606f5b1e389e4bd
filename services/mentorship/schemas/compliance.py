"""Request and response bodies of one-talk-a-month compliance."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.fields import Month


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
