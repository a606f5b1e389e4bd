"""Reporting's rules. No Flask here."""
