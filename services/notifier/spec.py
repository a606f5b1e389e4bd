"""Notifier's pieces for the shared entry points (consumer, manage; it publishes nothing,
so it has neither outbox nor relay)."""

from services.notifier import models
from services.notifier.commands import COMMANDS
from services.notifier.config import Config
from services.notifier.domain.notify import react_all
from services.notifier.handlers import HANDLERS
from services.notifier.worker import run_worker
from shared.runtime import service_spec

SPEC = service_spec(
    Config,
    models,
    HANDLERS,
    COMMANDS,
    background={"worker": lambda config, db, stop: run_worker(db, config, stop)},
    finish=react_all,
)
