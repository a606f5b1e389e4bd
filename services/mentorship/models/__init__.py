"""Mentorship's tables: the platform's (``base``) and one module per resource. Importing
the package imports every module, so ``Base.metadata`` holds every table."""

from services.mentorship.models import (
    assignments,
    base,
    duties,
    evidence,
    projects,
    reminders,
    showcases,
    talks,
    training,
)
from services.mentorship.models.assignments import Assignment
from services.mentorship.models.base import (
    PROJECTIONS,
    Audit,
    Base,
    CalendarDay,
    CalendarYear,
    IdempotencyKey,
    Inbox,
    Outbox,
    Person,
    Position,
    Town,
    Trainee,
    Unit,
    Village,
)
from services.mentorship.models.duties import RoleDuty
from services.mentorship.models.evidence import Evidence
from services.mentorship.models.projects import Participation, Project
from services.mentorship.models.reminders import ReminderRun
from services.mentorship.models.showcases import Showcase
from services.mentorship.models.talks import FollowUp, Talk
from services.mentorship.models.training import Attendance, TrainingEvent

__all__ = [
    "PROJECTIONS",
    "Assignment",
    "Attendance",
    "Audit",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Evidence",
    "FollowUp",
    "IdempotencyKey",
    "Inbox",
    "Outbox",
    "Participation",
    "Person",
    "Position",
    "Project",
    "ReminderRun",
    "RoleDuty",
    "Showcase",
    "Talk",
    "Town",
    "Trainee",
    "TrainingEvent",
    "Unit",
    "Village",
    "assignments",
    "base",
    "duties",
    "evidence",
    "projects",
    "reminders",
    "showcases",
    "talks",
    "training",
]
