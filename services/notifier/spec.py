"""Notifier's pieces for the shared entry points (consumer, manage; it publishes nothing,
so it has neither outbox nor relay)."""

from pathlib import Path

from services.notifier.commands import COMMANDS
from services.notifier.config import Config
from services.notifier.domain.notify import react_all
from services.notifier.handlers import HANDLERS
from services.notifier.models import IdempotencyKey, Inbox
from services.notifier.worker import run_worker
from shared.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="notifier",
    config_class=Config,
    outbox_model=None,
    idempotency_model=IdempotencyKey,
    inbox_model=Inbox,
    handlers=HANDLERS,
    migrations_dir=Path(__file__).parent / "migrations",
    extra_commands=COMMANDS,
    background={"worker": lambda config, db, stop: run_worker(db, config, stop)},
    finish=react_all,
)
