"""Welfare's tables: the platform's (``base``) and one module per resource, all on the same
``Base``; importing the package puts every table on ``Base.metadata``."""

from services.welfare.models.base import (
    PROJECTIONS,
    Base,
    CalendarDay,
    CalendarYear,
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
from services.welfare.models.evidence import Evidence
from services.welfare.models.facilities import FACILITY_KINDS, FACILITY_STATES, Facility
from services.welfare.models.fees import PlacementFee
from services.welfare.models.housing import (
    CONVERSION_STATUSES,
    HOUSING_SOURCES,
    Housing,
    HousingAllocation,
    HousingConversion,
)
from services.welfare.models.ledger import LedgerEntry, MoneyAudit, TownBudget
from services.welfare.models.needs import NEED_STATUSES, Need, NeedStep
from services.welfare.models.policy import SubsidyPolicy
from services.welfare.models.subsidies import (
    LIVE,
    Departure,
    PlacementHistory,
    Subsidy,
    SubsidyMonth,
)
from services.welfare.models.visits import Campaign, Visit

__all__ = [
    "CONVERSION_STATUSES",
    "FACILITY_KINDS",
    "FACILITY_STATES",
    "HOUSING_SOURCES",
    "LIVE",
    "NEED_STATUSES",
    "PROJECTIONS",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Campaign",
    "Departure",
    "Evidence",
    "Facility",
    "Housing",
    "HousingAllocation",
    "HousingConversion",
    "IdempotencyKey",
    "Inbox",
    "LedgerEntry",
    "MentorAssignment",
    "MoneyAudit",
    "Need",
    "NeedStep",
    "Outbox",
    "Person",
    "PlacementFee",
    "PlacementHistory",
    "Position",
    "Subsidy",
    "SubsidyMonth",
    "SubsidyPolicy",
    "Town",
    "TownBudget",
    "Trainee",
    "Unit",
    "Village",
    "Visit",
]
