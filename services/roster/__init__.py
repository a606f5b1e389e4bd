"""Roster: towns, villages, units, people, trainees, placements, accounts and tokens."""
