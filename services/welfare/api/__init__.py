"""Welfare's blueprints, one module per resource."""

from shared.api import blueprints_of

BLUEPRINTS = blueprints_of(
    __name__, "policy subsidies fees ledger housing facilities visits needs evidence"
)
