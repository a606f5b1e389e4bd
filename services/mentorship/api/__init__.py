"""Mentorship's blueprints, one per resource."""

from services.mentorship.api import (
    assignments,
    compliance,
    coverage,
    duties,
    evidence,
    projects,
    showcases,
    talks,
    training,
    workload,
)

BLUEPRINTS = [
    assignments.blp,
    coverage.blp,
    talks.blp,
    compliance.blp,
    training.blp,
    projects.blp,
    showcases.blp,
    workload.blp,
    duties.blp,
    evidence.blp,
]
