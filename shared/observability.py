"""Logs, request ids and metrics.

Logs are one JSON object per line. Identity numbers and phone numbers are masked in every
log line, whatever logged them: the masking is a logging filter on the handler, not a
habit each call site must remember.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time

from prometheus_client import Counter, Gauge, Histogram

#: Per-request (or per-message) values that log lines and events carry.
request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "request_context", default=None
)


def current_context() -> dict:
    """The request or message context of this thread (empty outside one)."""
    return request_context.get() or {}


# 18-digit resident identity numbers (last may be X) and 15-digit old ones.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8,11}([0-9Xx]{1})(?![0-9A-Za-z])")
# Mainland mobile numbers, with or without +86.
_PHONE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_sensitive(text: str) -> str:
    """Mask identity numbers (keep the first 6 and the last) and mobile numbers (keep 3+4)."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 7) + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def mask_id_number(value: str | None) -> str | None:
    """An identity number for display: first 6 and last 1 characters kept."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 7) + value[-1]


def mask_phone(value: str | None) -> str | None:
    """A phone number for display: first 3 and last 4 digits kept."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request context and masked text."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": mask_sensitive(record.getMessage()),
        }
        data.update({k: v for k, v in current_context().items() if v})
        if record.exc_info:
            data["exc"] = mask_sensitive(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log line of this process to stderr as masked JSON."""
    root = logging.getLogger()
    if any(getattr(h, "_grassroots", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler._grassroots = True  # noqa: SLF001 - marks our handler to avoid doubling it
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


HTTP_REQUESTS = Counter(
    "grassroots_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "endpoint", "status"],
)
HTTP_LATENCY = Histogram(
    "grassroots_http_request_seconds",
    "HTTP request latency",
    ["service", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter("grassroots_outbox_published_total", "Outbox rows published")
OUTBOX_BACKLOG = Gauge("grassroots_outbox_backlog", "Outbox rows not yet published", ["service"])
EVENTS_CONSUMED = Counter(
    "grassroots_events_consumed_total",
    "Events taken from the broker, by outcome",
    ["service", "type", "outcome"],
)
