"""Mentorship's blueprints, one module per resource."""

from shared.api import blueprints_of

BLUEPRINTS = blueprints_of(
    __name__,
    "assignments coverage talks compliance training projects showcases workload duties evidence",
)
