"""Welfare's pieces for the shared entry points (relay, consumer, manage)."""

from pathlib import Path

from services.welfare import scheduler
from services.welfare.commands import COMMANDS
from services.welfare.config import Config
from services.welfare.handlers import HANDLERS
from services.welfare.models import IdempotencyKey, Inbox, Outbox
from shared.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="welfare",
    config_class=Config,
    outbox_model=Outbox,
    idempotency_model=IdempotencyKey,
    inbox_model=Inbox,
    handlers=HANDLERS,
    migrations_dir=Path(__file__).parent / "migrations",
    extra_commands=COMMANDS,
    background={"scheduler": scheduler.run},
)
