"""Reporting's blueprints: each module exports ``BLUEPRINTS``."""

from services.reporting.api import (
    assessment,
    calendar,
    dashboard,
    duties,
    evaluations,
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
    *evaluations.BLUEPRINTS,
]
