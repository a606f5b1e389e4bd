"""Roster consumes no events: it is where trainees, people and places originate."""

HANDLERS: dict = {}
