"""Welfare's blueprints: each module exports ``BLUEPRINTS``."""

from services.welfare.api import (
    evidence,
    facilities,
    fees,
    housing,
    ledger,
    needs,
    policy,
    subsidies,
    visits,
)

BLUEPRINTS = [
    *policy.BLUEPRINTS,
    *subsidies.BLUEPRINTS,
    *fees.BLUEPRINTS,
    *ledger.BLUEPRINTS,
    *housing.BLUEPRINTS,
    *facilities.BLUEPRINTS,
    *visits.BLUEPRINTS,
    *needs.BLUEPRINTS,
    evidence.blp,
]
