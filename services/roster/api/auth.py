"""Tokens: ``POST /auth/token`` (password, refresh token or client credentials),
``POST /auth/revoke`` (sign out), the public key every service verifies tokens with, and
``/auth/me``."""

from __future__ import annotations

import math
import secrets
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from marshmallow import ValidationError

from services.roster.domain import auth as domain
from services.roster.schemas.auth import MeOut, RevokeIn, TokenIn, TokenOut
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal, issue_token
from shared.clock import utcnow
from shared.db import session
from shared.http import PROBLEM_JSON, ProblemSchema, field_problem, problem, problem_response
from shared.normalize import message

blp = blueprint(
    "auth",
    "/api/v1/roster/auth",
    "Tokens (RS256 JWT) and the public key to verify them",
    signed_in=False,
)
_token_in = TokenIn()
_revoke_in = RevokeIn()


def _json_or_form(schema) -> dict:
    """The OpenAPI request body of an OAuth endpoint: ``schema`` as JSON or as a form."""
    return {
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema},
        }
    }


def _body() -> dict:
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    raw = request.get_json(silent=True)
    if raw is not None:
        return raw
    raise field_problem(
        400, "body", ("请以 JSON 或表单格式提交", "send JSON or a form"), ("不是 JSON", "not JSON")
    )


def _load(schema, raw) -> dict:
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise problem(
            422,
            "Unprocessable Entity",
            message("请求内容有误，请按提示修改", "the request did not validate"),
            exc.messages,
        ) from None


def _access_token(account) -> dict:
    config = current_app.config
    token = issue_token(
        config["JWT_PRIVATE_KEY"],
        subject=str(account.id),
        role=account.role,
        scope_id=account.scope_id,
        name=account.display_name,
        issuer=config["JWT_ISSUER"],
        audience=config["JWT_AUDIENCE"],
        ttl_seconds=config["JWT_TTL_SECONDS"],
    )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": config["JWT_TTL_SECONDS"],
        "role": account.role,
        "scope_id": account.scope_id,
    }


def _refresh_part(raw: str, expires_at) -> dict:
    return {
        "refresh_token": raw,
        "refresh_expires_in": max(0, round((expires_at - utcnow()).total_seconds())),
    }


@endpoint(blp, "POST /token", out=TokenOut)
@blp.doc(requestBody=_json_or_form(TokenIn), security=[])
@blp.alt_response(
    401,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="wrong credentials, or a refresh token unknown, expired, revoked or used",
)
@blp.alt_response(
    403,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="the right credentials of an account that may not sign in: "
    "errors.account is account_inactive, trainee_withdrawn or trainee_completed",
)
@blp.alt_response(
    429,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="too many failures from this address, or the account locked for a "
    "while after repeated failures; see Retry-After",
)
def post_token():
    """Exchange a username and password (``grant_type=password``) for an access token
    (``JWT_TTL_SECONDS``, 15 minutes) and a refresh token; a refresh token
    (``grant_type=refresh_token``) for new ones (the old one stops working: each
    works once, and a sign-in ends ``REFRESH_TOKEN_TTL_SECONDS`` after its password
    login); a client id and secret (``grant_type=client_credentials``, for a town's own
    system) for an access token. JSON or form-encoded.

    Failures are limited per client address (``LOGIN_ADDRESS_LIMIT``) and per account:
    ``LOGIN_MAX_FAILURES`` in a row lock it, 30 s first and twice as long each next
    time up to ``LOGIN_LOCK_SECONDS``; a known client (one that signed in to it
    before: its address, or the ``device_id`` this answer gives) is not kept out by
    the lock. 429 with Retry-After."""
    data = _load(_token_in, _body())
    config = current_app.config
    grant = data["grant_type"]
    db = session()
    if grant == "refresh_token":
        try:
            account, raw, expires_at = domain.use_refresh_token(
                db, data["refresh_token"], config["REFRESH_REUSE_GRACE_SECONDS"]
            )
        except domain.BadRefreshToken:
            db.commit()  # a reused token's family stays revoked
            raise
        db.commit()
        return {**_access_token(account), **_refresh_part(raw, expires_at)}
    if grant == "password":
        username, secret, kind = data["username"], data["password"], "user"
    else:
        username, secret, kind = data["client_id"], data["client_secret"], "client"
    device = data.get("device_id") if kind == "user" else None
    if kind == "user" and device is None:
        device = secrets.token_urlsafe(24)
    client = domain.LoginClient(address=request.remote_addr, device_id=device)
    try:
        account = domain.authenticate(db, username, secret, kind, login_policy(), client)
    except domain.BadCredentials:
        db.commit()  # keep the failure count
        raise
    answer = _access_token(account)
    if kind == "user":
        raw, expires_at = domain.issue_refresh_token(
            db, account, config["REFRESH_TOKEN_TTL_SECONDS"]
        )
        answer.update(_refresh_part(raw, expires_at), device_id=device)
    db.commit()
    return answer


@endpoint(blp, "POST /revoke")
@blp.doc(requestBody=_json_or_form(RevokeIn), security=[])
def post_revoke():
    """Sign out (RFC 7009): the refresh token and every other of its sign-in stop
    working. The same answer (200, ``{}``) whether the token was known or not."""
    data = _load(_revoke_in, _body())
    act(domain.revoke_refresh_token, data["token"])
    return {}


def login_policy() -> domain.LoginPolicy:
    config = current_app.config
    return domain.LoginPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        backoff_seconds=config["LOGIN_BACKOFF_SECONDS"],
        lock_seconds=config["LOGIN_LOCK_SECONDS"],
        known_days=config["LOGIN_KNOWN_CLIENT_DAYS"],
    )


@endpoint(blp, "GET /public-key")
@blp.doc(security=[])
def get_public_key():
    """The PEM public key, algorithm, issuer and audience that verify roster's tokens."""
    config = current_app.config
    return {
        "algorithm": "RS256",
        "public_key": config["JWT_PUBLIC_KEY"],
        "issuer": config["JWT_ISSUER"],
        "audience": config["JWT_AUDIENCE"],
    }


@endpoint(blp, "GET /me", out=MeOut)
def get_me():
    """Who the token says the caller is."""
    principal = current_principal()
    return {
        "subject": principal.subject,
        "role": principal.role,
        "scope_id": principal.scope_id,
        "name": principal.name,
    }


# -- login limits per client address ------------------------------------------------

TOKEN_ENDPOINT = "auth.post_token"


def client_address() -> str:
    return request.remote_addr or "unknown"


def _not_a_token_request() -> bool:
    return request.endpoint != TOKEN_ENDPOINT


def _failed(response) -> bool:
    return response.status_code in (401, 403)


def init_limits(app: Flask) -> Limiter:
    """Install on roster's ``app`` the per-address limit of failed token requests, with
    Flask-Limiter.

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

    The per-account lock is roster's own (``domain.auth.authenticate``), on the system's clock."""
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
