"""Mentorship's own management commands."""

COMMANDS: dict = {}
