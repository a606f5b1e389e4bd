"""Notifier's rules. No Flask here."""
