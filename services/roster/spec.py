"""Roster's pieces for the shared entry points (relay, manage; it consumes nothing, so it
has no inbox, no handlers and no consumer)."""

from services.roster import models
from services.roster.commands import COMMANDS
from services.roster.config import Config
from shared.runtime import service_spec

SPEC = service_spec(Config, models, handlers={}, commands=COMMANDS)
