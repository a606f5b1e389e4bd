"""Roster's blueprints, one module per resource."""

from shared.api import blueprints_of

BLUEPRINTS = blueprints_of(__name__, "auth places people trainees accounts imports duplicates")
