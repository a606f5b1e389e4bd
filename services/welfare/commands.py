"""Welfare's own management commands (``python -m services.welfare.manage <command>``)."""

COMMANDS: dict = {}
