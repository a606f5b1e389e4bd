"""A tiny JSON-over-HTTP client (urllib only) and a poll helper."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable


class HttpError(AssertionError):
    def __init__(self, method: str, url: str, status: int, body) -> None:
        super().__init__(
            f"{method} {url} -> {status}: {json.dumps(body, ensure_ascii=False)[:800]}"
        )
        self.status = status
        self.body = body


def request(
    method: str,
    url: str,
    body=None,
    token: str | None = None,
    *,
    raw: bytes | None = None,
    content_type: str | None = None,
    expect: tuple[int, ...] | None = (200, 201),
    raw_body: bool = False,
):
    """(status, parsed JSON, or the bytes with ``raw_body``); raises :class:`HttpError`
    when the status is not expected."""
    data = raw
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        content_type = "application/json"
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    req.add_header("X-Request-ID", f"journey-{uuid.uuid4().hex[:12]}")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    if raw_body and (expect is None or status in expect):
        return status, payload
    try:
        parsed = json.loads(payload or b"null")
    except ValueError:
        parsed = payload.decode(errors="replace")
    if expect is not None and status not in expect:
        raise HttpError(method, url, status, parsed)
    return status, parsed


def poll(what: str, probe: Callable[[], object], timeout: float = 30.0, interval: float = 0.1):
    """Call ``probe`` until it returns something truthy; its last value on success.

    Waits for events to reach a read model; never a blind sleep: it returns as soon as
    the condition holds and fails with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
