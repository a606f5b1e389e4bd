"""Request and response bodies of the mentors' workload (导师工作量)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.mentorship.domain.workload import SORTABLE
from shared.http import ListArgs, page_schema


class WorkloadListArgs(ListArgs):
    town_id = fields.Integer(validate=validate.Range(min=1))
    unit_id = fields.Integer(validate=validate.Range(min=1))
    q = fields.String(
        validate=validate.Length(max=50), metadata={"description": "part of the mentor's name"}
    )
    sort = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": f"comma list of {', '.join(SORTABLE)}; '-' for descending"},
    )


class MenteeOut(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    role = fields.String(metadata={"description": "the mentor's role with this trainee"})
    due = fields.Boolean(metadata={"description": "a talk is expected this month"})
    talked = fields.Boolean(metadata={"description": "a talk in this role this month"})


class WorkloadOut(Schema):
    mentor_id = fields.Integer()
    name = fields.String()
    mentees = fields.List(fields.Nested(MenteeOut))
    talks_done = fields.Integer(metadata={"description": "expected talks held this month"})
    talks_expected = fields.Integer(
        metadata={
            "description": "seats whose talk is due this month (a quarterly role "
            "only until its talk of the quarter)"
        }
    )
    talks_missing = fields.Integer()
    open_follow_ups = fields.Integer()
    overdue_follow_ups = fields.Integer()
    unacknowledged_talks = fields.Integer(
        metadata={"description": "talks the trainee has not acknowledged yet"}
    )
    aspects = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "this quarter's talks (in your scope) per aspect: political, "
            "practice, conduct, care (0 where none)"
        },
    )


class OpenFollowUpOut(Schema):
    id = fields.Integer()
    talk_id = fields.Integer()
    action = fields.String()
    due_date = fields.Date()
    trainee_id = fields.Integer()
    trainee_name = fields.String()


class WaitingTalkOut(Schema):
    id = fields.Integer()
    talk_date = fields.Date()
    mentor_role = fields.String()
    trainee_id = fields.Integer()
    trainee_name = fields.String()


class WorkloadDetailOut(WorkloadOut):
    month = fields.String(metadata={"description": "YYYY-MM, this month in the city"})
    follow_ups = fields.List(fields.Nested(OpenFollowUpOut))
    waiting_talks = fields.List(fields.Nested(WaitingTalkOut))


class WorkloadPage(page_schema(WorkloadOut, "WorkloadPageBase")):
    month = fields.String(metadata={"description": "YYYY-MM, this month in the city"})
