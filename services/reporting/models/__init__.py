"""Every table of reporting on one ``Base``: the platform's in ``base``, the service's own
in one module per resource. Importing the package declares them all (Alembic's
``migrations/env.py`` and the archive rely on it)."""

from services.reporting.models.assessment import Assessment, AssessmentScore, AssessmentWeight
from services.reporting.models.base import (
    PROJECTIONS,
    Base,
    IdempotencyKey,
    Inbox,
    MentorAssignment,
    Outbox,
    Person,
    Position,
    Town,
    Trainee,
    Unit,
    Village,
)
from services.reporting.models.calendar import CalendarDay, CalendarRevision
from services.reporting.models.dashboard import (
    FeeFact,
    NeedFact,
    OversightMonth,
    ReportMonth,
    VisitFact,
)
from services.reporting.models.duties import PARTY_KINDS, DutyItem, DutyProgress
from services.reporting.models.evaluations import (
    EVALUATION_KINDS,
    EVALUATION_STATUSES,
    GRADES,
    Evaluation,
    EvaluationOpinion,
    MentorRating,
)
from services.reporting.models.evidence import Evidence
from services.reporting.models.periods import (
    KINDS_BY_PERIOD,
    NOTICE_KINDS,
    Obligation,
    Period,
    ReportNotice,
    TraineeTenure,
)
from services.reporting.models.reports import REPORT_STATUSES, Report, ReportAudit, ReportTalk
from services.reporting.models.supervision import OWNER_KINDS, Rectification, SupervisionVisit

__all__ = [
    "EVALUATION_KINDS",
    "EVALUATION_STATUSES",
    "GRADES",
    "KINDS_BY_PERIOD",
    "NOTICE_KINDS",
    "OWNER_KINDS",
    "PARTY_KINDS",
    "PROJECTIONS",
    "REPORT_STATUSES",
    "Assessment",
    "AssessmentScore",
    "AssessmentWeight",
    "Base",
    "CalendarDay",
    "CalendarRevision",
    "DutyItem",
    "DutyProgress",
    "Evaluation",
    "EvaluationOpinion",
    "Evidence",
    "FeeFact",
    "IdempotencyKey",
    "Inbox",
    "MentorAssignment",
    "MentorRating",
    "NeedFact",
    "Obligation",
    "OversightMonth",
    "Outbox",
    "Period",
    "Person",
    "Position",
    "Rectification",
    "Report",
    "ReportAudit",
    "ReportMonth",
    "ReportNotice",
    "ReportTalk",
    "SupervisionVisit",
    "Town",
    "Trainee",
    "TraineeTenure",
    "Unit",
    "VisitFact",
    "Village",
]
