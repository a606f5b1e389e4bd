"""Reporting's pieces for the shared entry points (relay, consumer, manage)."""

from pathlib import Path

from services.reporting import scheduler
from services.reporting.commands import COMMANDS
from services.reporting.config import Config
from services.reporting.domain import report_months
from services.reporting.handlers import HANDLERS
from services.reporting.models import IdempotencyKey, Inbox, Outbox
from shared.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="reporting",
    config_class=Config,
    outbox_model=Outbox,
    idempotency_model=IdempotencyKey,
    inbox_model=Inbox,
    handlers=HANDLERS,
    migrations_dir=Path(__file__).parent / "migrations",
    extra_commands=COMMANDS,
    background={"scheduler": scheduler.run},
    finish=report_months.apply_deferred,
)
