"""Shipped working-day calendars as data (``<name>.json``), read by ``shared.workdays``."""
