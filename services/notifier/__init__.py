"""Notifier: every event to the right people by in-app inbox, e-mail, SMS and webhooks."""
