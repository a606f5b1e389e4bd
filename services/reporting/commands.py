"""Reporting's own management commands (``python -m services.reporting.manage <command>``)."""

COMMANDS: dict = {}
