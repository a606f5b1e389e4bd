"""Login limits per client address, with Flask-Limiter.

Failed token requests (401, 403) count against the client's address in a moving window
(``LOGIN_ADDRESS_LIMIT``, default 10 a minute and 100 an hour); past it the address gets
429 with ``Retry-After`` for every token request, so that trying one password on many
accounts (spraying) from one address is slowed to a crawl. Successful logins cost nothing,
so a town hall behind one address is not throttled by its clerks signing in.

The counts live in ``RATELIMIT_STORAGE_URI``: the memory of the process in the embedded
default, Redis in production so that every roster web process counts together (if Redis
is away, each process counts in its own memory until it is back). The address is the
socket's, or the one a trusted proxy reports (``TRUSTED_PROXY_HOPS``, see
``shared.http.trust_proxies``): X-Forwarded-For is never believed otherwise.

The per-account lock is roster's own (``domain.authenticate``), on the system's clock.
"""

from __future__ import annotations

import math
import time

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from shared.http import problem_response

TOKEN_ENDPOINT = "auth.Token"


def client_address() -> str:
    return request.remote_addr or "unknown"


def _not_a_token_request() -> bool:
    return request.endpoint != TOKEN_ENDPOINT


def _failed(response) -> bool:
    return response.status_code in (401, 403)


def init_limits(app: Flask) -> Limiter:
    """Install the per-address limit of failed token requests on roster's ``app``."""
    limiter = Limiter(
        client_address,
        app=app,
        default_limits=[app.config["LOGIN_ADDRESS_LIMIT"]],
        default_limits_exempt_when=_not_a_token_request,
        default_limits_deduct_when=_failed,
        strategy="moving-window",
        # no X-RateLimit headers: they would also overwrite the account lock's Retry-After
        headers_enabled=False,
        in_memory_fallback_enabled=True,
    )

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded):
        response = problem_response(
            429,
            "Too many attempts",
            "登录失败次数过多，请稍后再试 (too many failed sign-ins from this address; "
            "try again later)",
        )
        current = limiter.current_limit
        # the limiter's windows run on the real clock (its store's), not shared.clock
        wait = current.reset_at - time.time() if current else 60  # noqa: TID251
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    app.extensions["roster_limiter"] = limiter
    return limiter
