"""Reporting's blueprints: each module exports ``BLUEPRINTS``."""

from services.reporting.api import (
    assessment,
    calendar,
    dashboard,
    duties,
    evaluations,
    evidence,
    periods,
    reports,
    supervision,
)

BLUEPRINTS = [
    *periods.BLUEPRINTS,
    *calendar.BLUEPRINTS,
    *reports.BLUEPRINTS,
    *duties.BLUEPRINTS,
    *supervision.BLUEPRINTS,
    *dashboard.BLUEPRINTS,
    *assessment.BLUEPRINTS,
    evidence.blp,
    *evaluations.BLUEPRINTS,
]
