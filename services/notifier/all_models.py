"""Every table of the service, for Alembic (``migrations/env.py``) to see them all."""

from services.notifier.models import Base
from services.notifier.models_notify import *  # noqa: F401,F403 - tables of the service

__all__ = ["Base"]
