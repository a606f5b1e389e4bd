"""Reporting's blueprints, one module per resource."""

from shared.api import blueprints_of

BLUEPRINTS = blueprints_of(
    __name__,
    "periods calendar reports duties supervision dashboard assessment evidence evaluations",
)
