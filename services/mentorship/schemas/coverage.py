"""Request and response bodies of coverage: which trainees have every mentor they need."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.mentorship.schemas.assignments import ID_RANGE


class CoverageArgs(Schema):
    """Query arguments of coverage; unknown ones are ignored, as on every list."""

    class Meta:
        unknown = EXCLUDE

    town_id = fields.Integer(validate=ID_RANGE)
    unit_id = fields.Integer(validate=ID_RANGE)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class CountsOut(Schema):
    trainees = fields.Integer()
    complete = fields.Integer()
    incomplete = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "complete / trainees"})


class GroupCountsOut(CountsOut):
    id = fields.Integer(allow_none=True)
    name = fields.String()


class CoverageTraineeOut(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String()
    town_id = fields.Integer(allow_none=True)
    town_name = fields.String()
    village_id = fields.Integer(allow_none=True)
    village_name = fields.String()
    stationed = fields.Boolean()
    missing = fields.List(fields.String())
    vacated = fields.List(
        fields.String(), metadata={"description": "missing seats whose holder left the position"}
    )


class CoverageOut(Schema):
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    counts = fields.Nested(CountsOut)
    trainees = fields.List(fields.Nested(CoverageTraineeOut))
    by_town = fields.List(fields.Nested(GroupCountsOut))
    by_unit = fields.List(fields.Nested(GroupCountsOut))
