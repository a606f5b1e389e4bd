"""Mentorship's pieces for the shared entry points (relay, consumer, manage, scheduler)."""

from pathlib import Path

from services.mentorship import scheduler
from services.mentorship.commands import COMMANDS
from services.mentorship.config import Config
from services.mentorship.handlers import HANDLERS
from services.mentorship.models import IdempotencyKey, Inbox, Outbox
from shared.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="mentorship",
    config_class=Config,
    outbox_model=Outbox,
    idempotency_model=IdempotencyKey,
    inbox_model=Inbox,
    handlers=HANDLERS,
    migrations_dir=Path(__file__).parent / "migrations",
    extra_commands=COMMANDS,
    background={"scheduler": scheduler.run},
)
