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


# Digits as people write them: ASCII or full-width, with a separator (a space, a
# full-width space or a dash) only where people group them (440106 19950501 005X,
# 4401 0619 9505 0100 5X, 139 1234 5678), so that numbers that merely follow one another
# in a line ("/trainees/13812345678 404 0.2ms") are not taken for one.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-\uff0d]?"
_NOT_BEFORE = "(?<![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a*])"
_NOT_AFTER = "(?![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"


def _grouped(digits: list[str], gaps: set[int]) -> str:
    """A pattern of these digit classes with an optional separator after the positions
    in ``gaps``."""
    return "".join((_SEP if i in gaps else "") + d for i, d in enumerate(digits))


# 18-character resident identity numbers (the last may be X) and 15-digit old ones.
_ID_NUMBER = re.compile(
    f"{_NOT_BEFORE}(?:"
    + _grouped([_D] * 17 + ["[0-9Xx\uff10-\uff19\uff38\uff58]"], {4, 6, 8, 10, 12, 14, 16})
    + "|"
    + _grouped([_D] * 15, {6, 12})
    + f"){_NOT_AFTER}"
)
# The country code, as typed or in E.164.
_PLUS86 = f"(?:[+\uff0b]?(?:86|\uff18\uff16){_SEP}|[+\uff0b](?:86|\uff18\uff16))"
# Mainland mobile numbers (11 digits from 13-19), with or without +86.
_MOBILE = re.compile(
    f"{_NOT_BEFORE}({_PLUS86})?("
    + _grouped(["[1\uff11]", "[3-9\uff13-\uff19]"] + [_D] * 9, {3, 7})
    + f"){_NOT_AFTER}"
)
# Fixed lines: E.164 (+86 then 9-11 digits) or an area code and a number (020-12345678,
# (0755) 1234567).
_LANDLINE = re.compile(
    f"{_NOT_BEFORE}(?:[+\uff0b](?:86|\uff18\uff16){_SEP}({_D}(?:{_SEP}{_D}){{8,10}})"
    f"|(\\(0{_D}{{2,3}}\\)[ \u3000\\-\uff0d]?|0{_D}{{2,3}}[ \u3000\\-\uff0d])"
    f"({_D}{{3,4}}{_SEP}{_D}{{4}})){_NOT_AFTER}"
)


def _mask_digits(text: str, keep_first: int, keep_last: int) -> str:
    """``text`` with its digits masked but the first and last few (separators kept)."""
    positions = [i for i, c in enumerate(text) if c.isdigit() or c in "Xx\uff38\uff58"]
    hidden = set(positions[keep_first : len(positions) - keep_last])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def _mask_landline(m: re.Match) -> str:
    if m.group(1) is not None:  # E.164: keep +86, the first 2 digits and the last 4
        start = m.start(1) - m.start(0)
        return m.group(0)[:start] + _mask_digits(m.group(1), 2, 4)
    return m.group(2) + _mask_digits(m.group(3), 0, 4)


def mask_sensitive(text: str) -> str:
    """Mask identity numbers (keep the first 6 and the last character), mobile numbers
    (keep 3 and 4 digits) and fixed-line numbers (keep the area code and 4 digits), as
    they are typed: with spaces or dashes, with +86, in E.164 or in full-width digits."""
    text = _ID_NUMBER.sub(lambda m: _mask_digits(m.group(0), 6, 1), text)
    text = _MOBILE.sub(lambda m: (m.group(1) or "") + _mask_digits(m.group(2), 3, 4), text)
    return _LANDLINE.sub(_mask_landline, text)


def mask_document(text: str) -> str:
    """:func:`mask_sensitive` of a JSON document's every string (escaped characters
    included: ``\\uff11`` is a full-width 1), or of the text if it is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return mask_sensitive(text)

    def walk(value):
        if isinstance(value, str):
            return mask_sensitive(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(data), ensure_ascii=False)


def mask_id_number(value: str | None) -> str | None:
    """An identity number for display: first 6 and last 1 characters kept."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 7) + value[-1]


def mask_phone(value: str | None) -> str | None:
    """A phone number for display. Stored E.164: a mobile as ``139****5678``, a fixed line
    as ``020-****5678``; anything else its first 3 and last 4 characters."""
    if not value:
        return value
    if value.startswith("+86") and value[3:].isdigit():
        national = value[3:]
        if len(national) == 11 and national.startswith("1"):
            return national[:3] + "****" + national[-4:]
        area = 2 if national.startswith(("10", "2")) else 3
        return f"0{national[:area]}-" + "*" * (len(national) - area - 4) + national[-4:]
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
