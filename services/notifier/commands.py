"""Notifier's own management commands (``python -m services.notifier.manage <command>``)."""

COMMANDS: dict = {}
