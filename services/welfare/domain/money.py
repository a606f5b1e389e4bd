"""Welfare's rules: money. No Flask here."""

from __future__ import annotations

#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {}
