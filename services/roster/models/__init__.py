"""Roster's tables: every module of the package, so that ``Base.metadata`` has them all."""

from services.roster.models.accounts import ROLES, Account
from services.roster.models.auth import KnownClient, LoginThrottle, RefreshToken, TokenRevocation
from services.roster.models.base import Base, IdempotencyKey, Outbox
from services.roster.models.duplicates import PossibleDuplicate
from services.roster.models.people import Person, Position
from services.roster.models.places import Town, Unit, Village
from services.roster.models.trainees import TRAINEE_STATUSES, Placement, StatusChange, Trainee

__all__ = [
    "ROLES",
    "TRAINEE_STATUSES",
    "Account",
    "Base",
    "IdempotencyKey",
    "KnownClient",
    "LoginThrottle",
    "Outbox",
    "Person",
    "Placement",
    "Position",
    "PossibleDuplicate",
    "RefreshToken",
    "StatusChange",
    "TokenRevocation",
    "Town",
    "Trainee",
    "Unit",
    "Village",
]
