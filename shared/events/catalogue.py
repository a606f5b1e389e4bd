"""The catalogue: one versioned marshmallow schema per event type.

Producers validate before writing to the outbox; consumers validate before applying and
park what does not validate. A new field or meaning is a new version, listed here beside
the old one until every consumer reads the new one.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from shared.normalize import message

TRAINEE_STATUSES = ("active", "completed", "withdrawn")
ROLES = ("city", "unit", "town", "mentor", "trainee")
POSITION_KINDS = (
    "unit_leadership",  # member of a unit's leadership team (integrity mentor)
    "unit_middle_cadre",  # middle-level or higher cadre of a unit (business mentor)
    "town_party_deputy",  # town deputy party secretary for party building (responsible)
    "village_party_secretary",  # village party organization secretary (practical)
    "town_staff",  # other town cadre
    "unit_staff",  # other unit cadre
)


class PayloadSchema(Schema):
    """Base of every payload: unknown fields are errors."""

    class Meta:
        unknown = RAISE


def _id(**kw) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1), **kw)


def _text(max_len: int = 200, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


class PlaceRef(PayloadSchema):
    """A town, village or unit."""

    id = _id(required=True)
    code = _text(32, required=True)
    name = _text(100, required=True)


class VillagePayload(PlaceRef):
    town_id = _id(required=True)


class PositionPayload(PayloadSchema):
    kind = fields.String(required=True, validate=validate.OneOf(POSITION_KINDS))
    title = _text(100, load_default="", dump_default="")
    unit_id = _id(allow_none=True, load_default=None)
    town_id = _id(allow_none=True, load_default=None)
    village_id = _id(allow_none=True, load_default=None)
    start_date = fields.Date(allow_none=True, load_default=None)
    end_date = fields.Date(allow_none=True, load_default=None)


class PersonPayload(PayloadSchema):
    """A cadre and the positions that make them eligible as a mentor."""

    id = _id(required=True)
    name = _text(100, required=True)
    gender = _text(8, allow_none=True, load_default=None)
    phone = _text(32, allow_none=True, load_default=None)
    email = _text(254, allow_none=True, load_default=None)
    positions = fields.List(fields.Nested(PositionPayload), required=True)
    version = fields.Integer(strict=True, required=True)


class TraineePayload(PayloadSchema):
    """A trainee as projections keep it. Identity numbers never travel in events."""

    id = _id(required=True)
    name = _text(100, required=True)
    gender = _text(8, allow_none=True, load_default=None)
    cohort = fields.Integer(strict=True, required=True)
    unit_id = _id(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TRAINEE_STATUSES))
    phone = _text(32, allow_none=True, load_default=None)
    email = _text(254, allow_none=True, load_default=None)
    town_id = _id(allow_none=True, load_default=None)
    village_id = _id(allow_none=True, load_default=None)
    placement_start = fields.Date(allow_none=True, load_default=None)
    version = fields.Integer(strict=True, required=True)


class TraineePlacedPayload(PayloadSchema):
    """A new current placement; ``first_in_village`` is true only for the trainee's first
    placement in any village (the placement fee's trigger)."""

    trainee_id = _id(required=True)
    placement_id = _id(required=True)
    unit_id = _id(required=True)
    town_id = _id(required=True)
    village_id = _id(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)
    previous_town_id = _id(allow_none=True, load_default=None)
    previous_village_id = _id(allow_none=True, load_default=None)
    first_in_village = fields.Boolean(required=True)
    version = fields.Integer(strict=True, required=True)


class TraineeStatusChangedPayload(PayloadSchema):
    trainee_id = _id(required=True)
    from_status = fields.String(required=True, validate=validate.OneOf(TRAINEE_STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(TRAINEE_STATUSES))
    effective_date = fields.Date(required=True)
    reason = _text(500, load_default="", dump_default="")
    unit_id = _id(required=True)
    town_id = _id(allow_none=True, load_default=None)
    village_id = _id(allow_none=True, load_default=None)
    version = fields.Integer(strict=True, required=True)


class AccountPayload(PayloadSchema):
    """An account (never its secret) so that the notifier can reach its holder."""

    id = _id(required=True)
    username = _text(64, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope_id = _id(allow_none=True, load_default=None)
    display_name = _text(100, load_default="", dump_default="")
    email = _text(254, allow_none=True, load_default=None)
    phone = _text(32, allow_none=True, load_default=None)
    active = fields.Boolean(required=True)


REVOCATION_REASONS = (
    "account_inactive",
    "password_changed",
    "trainee_completed",
    "trainee_withdrawn",
)


class AccountRevokedPayload(PayloadSchema):
    """Tokens of the account issued before ``not_before`` are refused by every service
    (the account was set inactive, its password changed, its trainee left training)."""

    id = _id(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope_id = _id(allow_none=True, load_default=None)
    not_before = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REVOCATION_REASONS))


MENTOR_ROLES = ("integrity", "business", "responsible", "practical")
ASPECTS = ("political", "practice", "conduct", "care")
TALK_MODES = ("in_person", "phone", "video")
RELEASE_REASONS = (
    "manual",  # a clerk ended it
    "replaced",  # another mentor took the seat
    "trainee_moved",  # the trainee was placed in another village or town
    "trainee_left",  # the trainee completed or withdrew
    "mentor_left_position",  # the cadre no longer holds the position: the seat is vacated
)
TRAINING_KINDS = ("training", "study_session", "discussion", "heart_to_heart")


class _Where(PayloadSchema):
    """Where the trainee belongs, so that consumers can route and scope without a lookup."""

    unit_id = _id(required=True)
    town_id = _id(allow_none=True, load_default=None)
    village_id = _id(allow_none=True, load_default=None)


class _AssignmentRef(_Where):
    assignment_id = _id(required=True)
    trainee_id = _id(required=True)
    mentor_id = _id(required=True)
    role = fields.String(required=True, validate=validate.OneOf(MENTOR_ROLES))


class MentorAssignedPayload(_AssignmentRef):
    start_date = fields.Date(required=True)
    assigned_by = _text(64, load_default="", dump_default="")


class MentorReleasedPayload(_AssignmentRef):
    end_date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(RELEASE_REASONS))
    vacated = fields.Boolean(required=True)


class TalkRecordedPayload(_Where):
    talk_id = _id(required=True)
    trainee_id = _id(required=True)
    mentor_id = _id(required=True)
    mentor_role = fields.String(required=True, validate=validate.OneOf(MENTOR_ROLES))
    talk_date = fields.Date(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(TALK_MODES))
    aspects = fields.List(
        fields.String(validate=validate.OneOf(ASPECTS)),
        required=True,
        validate=validate.Length(min=1, max=4),
    )
    summary = _text(4000, load_default="", dump_default="")
    #: where it was held (谈话地点) and when it began; absent from events sent before
    place = _text(200, load_default="", dump_default="")
    talk_time = fields.AwareDateTime(allow_none=True, load_default=None, dump_default=None)


MONTH_CODE = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="YYYY-MM")


class TalkMissingPayload(_Where):
    """``talk.missing``: a mentor has held no talk with a mentee this month by the
    reminder day (the 20th, or the next working day); one per mentor and trainee a
    month. ``roles``: the mentor's monthly seats with that trainee."""

    month = fields.String(required=True, validate=MONTH_CODE)
    reminded_on = fields.Date(required=True)
    trainee_id = _id(required=True)
    mentor_id = _id(required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(MENTOR_ROLES)),
        required=True,
        validate=validate.Length(min=1, max=4),
    )


class MissingTalkLine(PayloadSchema):
    """One mentor and mentee of a town's digest, by name."""

    mentor_id = _id(required=True)
    mentor_name = _text(100, required=True)
    trainee_id = _id(required=True)
    trainee_name = _text(100, required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(MENTOR_ROLES)),
        required=True,
        validate=validate.Length(min=1, max=4),
    )


class TalkMissingTownPayload(PayloadSchema):
    """``talk.missing_town``: a town's digest of the same month's ``talk.missing``: its
    trainees' mentors (by name, with the trainee's name) who have not talked this month."""

    month = fields.String(required=True, validate=MONTH_CODE)
    reminded_on = fields.Date(required=True)
    town_id = _id(required=True)
    missing = fields.List(
        fields.Nested(MissingTalkLine), required=True, validate=validate.Length(min=1, max=10000)
    )


class TrainingAttendedPayload(PayloadSchema):
    event_id = _id(required=True)
    trainee_id = _id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(TRAINING_KINDS))
    title = _text(200, required=True)
    date = fields.Date(required=True)
    hours = fields.Decimal(required=True, as_string=True, places=1)


class ProjectJoinedPayload(PayloadSchema):
    participation_id = _id(required=True)
    project_id = _id(required=True)
    project_name = _text(200, required=True)
    trainee_id = _id(required=True)
    role = _text(100, load_default="", dump_default="")
    start_date = fields.Date(allow_none=True, load_default=None)


REPORT_KINDS = ("effectiveness", "mentoring", "quarterly")
PERIOD_KINDS = ("month", "quarter")
NEED_CATEGORIES = ("work", "life", "housing", "health", "thoughts", "other")
HANDLER_ROLES = ("city", "unit", "town", "village")
PERIOD_CODE = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$", error="YYYY-MM or YYYY-Qn")


class PeriodOpenedPayload(PayloadSchema):
    """A month or quarter is open for reporting; its deadlines in the city's calendar."""

    period_id = _id(required=True)
    code = fields.String(required=True, validate=PERIOD_CODE)
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    deadline = fields.Date(required=True)


class _ReportRef(_Where):
    report_id = _id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    trainee_id = _id(required=True)
    period = fields.String(required=True, validate=PERIOD_CODE)


class ReportSubmittedPayload(_ReportRef):
    submitted_at = fields.AwareDateTime(required=True)
    late = fields.Boolean(required=True)
    resubmission = fields.Boolean(load_default=False, dump_default=False)


class ReportReturnedPayload(_ReportRef):
    reason = _text(1000, required=True)
    step = _text(16, required=True)
    returned_by = _text(64, load_default="", dump_default="")


class ReportApprovedPayload(_ReportRef):
    step = _text(16, required=True)
    final = fields.Boolean(required=True)
    approved_by = _text(64, load_default="", dump_default="")


class ReportDuePayload(_Where):
    """``report.due_soon`` and ``report.overdue``: one per trainee, period and kind."""

    trainee_id = _id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    period = fields.String(required=True, validate=PERIOD_CODE)
    deadline = fields.Date(required=True)


#: The year-end evaluation (年度考核) and the end-of-placement appraisal (期满鉴定).
EVALUATION_KINDS = ("annual", "final")
#: 优秀, 称职, 基本称职, 不称职 — best first.
GRADES = ("excellent", "competent", "basic", "incompetent")


class _EvaluationRef(_Where):
    evaluation_id = _id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(EVALUATION_KINDS))
    trainee_id = _id(required=True)
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=9999))
    author_id = _id(required=True)


class EvaluationSubmittedPayload(_EvaluationRef):
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    submitted_at = fields.AwareDateTime(required=True)


class EvaluationReturnedPayload(_EvaluationRef):
    reason = _text(1000, required=True)
    step = _text(16, required=True)
    returned_by = _text(64, load_default="", dump_default="")


class EvaluationApprovedPayload(_EvaluationRef):
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    step = _text(16, required=True)
    final = fields.Boolean(required=True)
    approved_by = _text(64, load_default="", dump_default="")


class RankingEntry(PayloadSchema):
    party_id = _id(required=True)
    score = fields.Decimal(required=True, as_string=True, places=2)
    rank = fields.Integer(strict=True, required=True)


class AssessmentPublishedPayload(PayloadSchema):
    assessment_id = _id(required=True)
    period = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}(-Q[1-4])?$", error="YYYY or YYYY-Qn")
    )
    party = fields.String(required=True, validate=validate.OneOf(["town", "unit"]))
    ranking = fields.List(fields.Nested(RankingEntry), required=True)


CALENDAR_KINDS = ("holiday", "workday")


class CalendarDayPayload(PayloadSchema):
    """A listed day: a holiday, or a swapped working day (调休上班)."""

    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CALENDAR_KINDS))
    name = _text(100, load_default="", dump_default="")


class CalendarUpdatedPayload(PayloadSchema):
    """Every listed day of ``year`` after a change to the city's working-day calendar.
    ``revision`` grows with each change of that year: a consumer keeps the highest it has
    applied and ignores an older or repeated one."""

    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=9999))
    revision = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    days = fields.List(
        fields.Nested(CalendarDayPayload), required=True, validate=validate.Length(max=366)
    )

    @validates_schema
    def _days_of_the_year(self, data: dict, **_kw) -> None:
        dates = [d["date"] for d in data.get("days", [])]
        if any(d.year != data.get("year") for d in dates):
            raise ValidationError(
                message("每一天都应在该年度内", "every day must fall in the year"), "days"
            )
        if len(set(dates)) != len(dates):
            raise ValidationError(message("同一天列了两次", "a day is listed twice"), "days")


class SubsidyPaidPayload(_Where):
    subsidy_id = _id(required=True)
    trainee_id = _id(required=True)
    month = fields.String(required=True, validate=PERIOD_CODE)
    amount_fen = fields.Integer(strict=True, required=True)
    payment_ref = _text(64, required=True)
    paid_on = fields.Date(required=True)


class PlacementFeePaidPayload(_Where):
    entitlement_id = _id(required=True)
    trainee_id = _id(required=True)
    amount_fen = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    payment_ref = _text(64, required=True)
    paid_on = fields.Date(required=True)
    due_on = fields.Date(required=True)


class HousingAllocatedPayload(_Where):
    allocation_id = _id(required=True)
    trainee_id = _id(required=True)
    housing_id = _id(required=True)
    start_date = fields.Date(required=True)


class HousingReleasedPayload(_Where):
    allocation_id = _id(required=True)
    trainee_id = _id(required=True)
    housing_id = _id(required=True)
    end_date = fields.Date(required=True)
    reason = _text(200, load_default="", dump_default="")


class VisitRecordedPayload(_Where):
    visit_id = _id(required=True)
    campaign_id = _id(allow_none=True, load_default=None)
    trainee_id = _id(required=True)
    visit_date = fields.Date(required=True)
    visitor = _text(100, required=True)


class NeedRaisedPayload(_Where):
    """A need; a confidential one names no category or text, only that it exists."""

    need_id = _id(required=True)
    trainee_id = _id(required=True)
    category = fields.String(allow_none=True, validate=validate.OneOf(NEED_CATEGORIES))
    confidential = fields.Boolean(required=True)
    handler_role = fields.String(required=True, validate=validate.OneOf(HANDLER_ROLES))
    handler_scope_id = _id(allow_none=True, load_default=None)
    handler_person_id = _id(allow_none=True, load_default=None)
    due_on = fields.Date(required=True)


class NeedResolvedPayload(_Where):
    need_id = _id(required=True)
    trainee_id = _id(required=True)
    confidential = fields.Boolean(required=True)
    resolved_on = fields.Date(required=True)
    on_time = fields.Boolean(required=True)


#: (type, version) -> payload schema instance.
CATALOGUE: dict[tuple[str, int], Schema] = {
    ("town.created", 1): PlaceRef(),
    ("town.updated", 1): PlaceRef(),
    ("village.created", 1): VillagePayload(),
    ("village.updated", 1): VillagePayload(),
    ("unit.created", 1): PlaceRef(),
    ("unit.updated", 1): PlaceRef(),
    ("person.created", 1): PersonPayload(),
    ("person.updated", 1): PersonPayload(),
    ("trainee.registered", 1): TraineePayload(),
    ("trainee.updated", 1): TraineePayload(),
    ("trainee.placed", 1): TraineePlacedPayload(),
    ("trainee.status_changed", 1): TraineeStatusChangedPayload(),
    ("account.created", 1): AccountPayload(),
    ("account.updated", 1): AccountPayload(),
    ("account.revoked", 1): AccountRevokedPayload(),
    ("mentor.assigned", 1): MentorAssignedPayload(),
    ("mentor.released", 1): MentorReleasedPayload(),
    ("talk.recorded", 1): TalkRecordedPayload(),
    ("talk.missing", 1): TalkMissingPayload(),
    ("talk.missing_town", 1): TalkMissingTownPayload(),
    ("training.attended", 1): TrainingAttendedPayload(),
    ("project.joined", 1): ProjectJoinedPayload(),
    ("period.opened", 1): PeriodOpenedPayload(),
    ("report.submitted", 1): ReportSubmittedPayload(),
    ("report.returned", 1): ReportReturnedPayload(),
    ("report.approved", 1): ReportApprovedPayload(),
    ("report.due_soon", 1): ReportDuePayload(),
    ("report.overdue", 1): ReportDuePayload(),
    ("assessment.published", 1): AssessmentPublishedPayload(),
    ("evaluation.submitted", 1): EvaluationSubmittedPayload(),
    ("evaluation.returned", 1): EvaluationReturnedPayload(),
    ("evaluation.approved", 1): EvaluationApprovedPayload(),
    ("calendar.updated", 1): CalendarUpdatedPayload(),
    ("subsidy.paid", 1): SubsidyPaidPayload(),
    ("placement_fee.paid", 1): PlacementFeePaidPayload(),
    ("housing.allocated", 1): HousingAllocatedPayload(),
    ("housing.released", 1): HousingReleasedPayload(),
    ("visit.recorded", 1): VisitRecordedPayload(),
    ("need.raised", 1): NeedRaisedPayload(),
    ("need.resolved", 1): NeedResolvedPayload(),
}


#: The service that publishes each kind of event (a type's part before the dot): the only
#: producer a consumer accepts for it (``shared.consumer``), and the routing keys its
#: broker user may publish (``deploy/broker.py``).
OWNERS: dict[str, str] = {
    **dict.fromkeys(("town", "village", "unit", "person", "trainee", "account"), "roster"),
    **dict.fromkeys(("mentor", "talk", "training", "project"), "mentorship"),
    **dict.fromkeys(("period", "report", "assessment", "calendar", "evaluation"), "reporting"),
    **dict.fromkeys(("placement_fee", "subsidy", "housing", "visit", "need"), "welfare"),
}


def owner(type_: str) -> str | None:
    """The service that publishes events of ``type_`` (None for an unknown kind)."""
    return OWNERS.get(type_.split(".", 1)[0])


def payload_schema(type_: str, version: int) -> Schema | None:
    """The payload schema of one event type and version, or None if unknown."""
    return CATALOGUE.get((type_, version))


def event_types() -> list[str]:
    """Every known event type (any version), sorted."""
    return sorted({t for t, _ in CATALOGUE})
