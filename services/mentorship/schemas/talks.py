"""Request and response bodies of talks (谈心谈话) and their follow-ups."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from services.mentorship.config import ROLES
from shared.clock import DEFAULT_TIME_ZONE
from shared.events.catalogue import ASPECTS, TALK_MODES
from shared.fields import Month
from shared.fields import Text as PlainText
from shared.http import ListArgs, StrictSchema, page_schema
from shared.normalize import message

TEXT_MAX = 4000
FOLLOW_UPS_MAX = 20


def Text(**kw):  # noqa: N802 - a field factory reads like a field class
    """Free text of a talk, up to 4,000 characters."""
    return fields.String(validate=validate.Length(max=TEXT_MAX), **kw)


# -- talks ------------------------------------------------------------------------------


class FollowUpIn(StrictSchema):
    action = fields.String(required=True, validate=validate.Length(min=1, max=500))
    due_date = fields.Date(required=True)

    @validates("action")
    def _not_blank(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(message("请写明要做的事项", "say what is to be done"))


class TalkIn(StrictSchema):
    trainee_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    talk_date = fields.Date(
        required=True,
        metadata={"description": "the day of the talk in the city's time zone (not ahead)"},
    )
    mode = fields.String(required=True, validate=validate.OneOf(TALK_MODES))
    place = PlainText(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "where the talk was held (谈话地点), e.g. 村委会会议室"},
    )
    talk_time = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "when it began, with its offset (2027-03-02T15:30:00+08:00); "
            "on ``talk_date`` in the city's time zone"
        },
    )
    aspects = fields.List(
        fields.String(validate=validate.OneOf(ASPECTS)),
        required=True,
        validate=validate.Length(min=1, max=len(ASPECTS)),
        metadata={"description": "one or more of the four aspects (四个方面), each once"},
    )
    summary = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    guidance = Text(load_default="")
    follow_ups = fields.List(
        fields.Nested(FollowUpIn),
        load_default=list,
        validate=validate.Length(max=FOLLOW_UPS_MAX),
    )
    role = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(ROLES),
        metadata={
            "description": "the mentor's role in this talk; needed only when the "
            "mentor holds several roles with the trainee"
        },
    )

    @validates("aspects")
    def _each_aspect_once(self, value: list[str], **_kw) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(message("每个方面最多选一次", "each aspect at most once"))

    @validates("summary")
    def _summary_not_blank(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(message("请填写谈话的主要内容", "summarise the talk"))

    @validates_schema
    def _time_on_the_day(self, data: dict, **_kw) -> None:
        talk_date, talk_time = data.get("talk_date"), data.get("talk_time")
        if talk_date is None or talk_time is None:
            return
        zone = current_app.config["TIME_ZONE"] if has_app_context() else DEFAULT_TIME_ZONE
        if talk_time.astimezone(ZoneInfo(zone)).date() != talk_date:
            why = message("按本市时间不在谈话日期当天", "not on talk_date in the city's time zone")
            raise ValidationError({"talk_time": [why]})

    @validates_schema
    def _follow_ups_after_the_talk(self, data: dict, **_kw) -> None:
        talk_date = data.get("talk_date")
        if talk_date is None:
            return
        errors = {
            index: {"due_date": [message("不能早于谈话日期", "not before the talk")]}
            for index, item in enumerate(data.get("follow_ups") or [])
            if item["due_date"] < talk_date
        }
        if errors:
            raise ValidationError({"follow_ups": errors})


class AcknowledgeIn(StrictSchema):
    reflection = Text(load_default="")


class FollowUpOut(Schema):
    id = fields.Integer()
    action = fields.String()
    due_date = fields.Date()
    done_at = fields.DateTime(allow_none=True)


class TalkOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    trainee_name = fields.String(metadata={"description": "in lists and the single talk"})
    mentor_id = fields.Integer()
    mentor_name = fields.String(metadata={"description": "in lists and the single talk"})
    mentor_role = fields.String()
    talk_date = fields.Date()
    mode = fields.String()
    place = fields.String()
    talk_time = fields.DateTime(allow_none=True)
    aspects = fields.List(fields.String())
    summary = fields.String()
    guidance = fields.String()
    unit_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    reflection = fields.String()
    follow_ups = fields.List(fields.Nested(FollowUpOut))
    created_at = fields.DateTime()


class TalkListArgs(ListArgs):
    trainee_id = fields.Integer(validate=validate.Range(min=1))
    mentor_id = fields.Integer(validate=validate.Range(min=1))
    month = Month(metadata={"description": "YYYY-MM, in the city's calendar"})
    role = fields.String(validate=validate.OneOf(ROLES))


TalkPage = page_schema(TalkOut, "TalkPage")
