"""Notifier's marshmallow schemas, one module per resource."""
