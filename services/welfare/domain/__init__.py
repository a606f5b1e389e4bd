"""Welfare's rules. No Flask here."""
