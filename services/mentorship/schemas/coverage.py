"""Request and response bodies of coverage: which trainees have every mentor they need;
and the words of its export sheet (``LABELS``)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.mentorship.schemas.assignments import ID_RANGE
from shared.tabular import by_language
from shared.vocabulary import MENTOR_ROLES


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


LABELS = by_language(
    {
        "roles": {
            "integrity": (MENTOR_ROLES["integrity"], "integrity"),
            "business": (MENTOR_ROLES["business"], "business"),
            "responsible": (MENTOR_ROLES["responsible"], "responsible"),
            "practical": (MENTOR_ROLES["practical"], "practical"),
        },
        "headers": [
            ("姓名", "Name"),
            ("单位", "Unit"),
            ("镇（街）", "Town"),
            ("村（社区）", "Village"),
            ("缺少的导师", "Missing mentors"),
            ("因导师离任空缺", "Vacated seats"),
            ("学员编号", "Trainee id"),
        ],
        "sheet": ("缺少导师", "Missing mentors"),
        "summary_sheet": ("汇总", "Summary"),
        "summary": [
            ("学员数", "Trainees"),
            ("配齐", "Complete"),
            ("未配齐", "Incomplete"),
            ("配齐率", "Rate"),
        ],
        "separator": ("、", ", "),
    }
)
