"""Roster's blueprints, one per resource."""

from services.roster.api import accounts, auth, duplicates, imports, people, places, trainees

BLUEPRINTS = [
    auth.blp,
    places.towns,
    places.villages,
    places.units,
    people.blp,
    trainees.blp,
    accounts.blp,
    imports.blp,
    duplicates.blp,
]
