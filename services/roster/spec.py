"""Roster's pieces for the shared entry points (relay, manage)."""

from pathlib import Path

from services.roster.commands import COMMANDS
from services.roster.config import Config
from services.roster.handlers import HANDLERS
from services.roster.models import IdempotencyKey, Outbox
from shared.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="roster",
    config_class=Config,
    outbox_model=Outbox,
    idempotency_model=IdempotencyKey,
    inbox_model=None,  # it consumes nothing
    handlers=HANDLERS,
    migrations_dir=Path(__file__).parent / "migrations",
    extra_commands=COMMANDS,
)
