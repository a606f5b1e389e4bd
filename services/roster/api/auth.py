"""Tokens: ``POST /auth/token`` (password, refresh token or client credentials),
``POST /auth/revoke`` (sign out), the public key every service verifies tokens with, and
``/auth/me``."""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from services.roster import domain
from services.roster.schemas import MeOut, RevokeIn, TokenIn, TokenOut
from shared.auth import current_principal, issue_token
from shared.clock import utcnow
from shared.db import session
from shared.http import PROBLEM_JSON, ProblemSchema, problem

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1/roster/auth",
    description="Tokens (RS256 JWT) and the public key to verify them",
)
_token_in = TokenIn()
_revoke_in = RevokeIn()


def _body() -> dict:
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    raw = request.get_json(silent=True)
    if raw is None:
        raise problem(400, "Bad Request", "send JSON or a form", {"body": ["not JSON"]})
    return raw


def _load(schema, raw) -> dict:
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise problem(
            422, "Unprocessable Entity", "the request did not validate", exc.messages
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


@blp.route("/token")
class Token(MethodView):
    @blp.doc(
        requestBody={
            "content": {
                "application/json": {"schema": TokenIn},
                "application/x-www-form-urlencoded": {"schema": TokenIn},
            }
        },
        security=[],
    )
    @blp.response(200, TokenOut)
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
    def post(self):
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


@blp.route("/revoke")
class Revoke(MethodView):
    @blp.doc(
        requestBody={
            "content": {
                "application/json": {"schema": RevokeIn},
                "application/x-www-form-urlencoded": {"schema": RevokeIn},
            }
        },
        security=[],
    )
    @blp.response(200)
    def post(self):
        """Sign out (RFC 7009): the refresh token and every other of its sign-in stop
        working. The same answer (200, ``{}``) whether the token was known or not."""
        data = _load(_revoke_in, _body())
        domain.revoke_refresh_token(session(), data["token"])
        session().commit()
        return {}


def login_policy() -> domain.LoginPolicy:
    config = current_app.config
    return domain.LoginPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        backoff_seconds=config["LOGIN_BACKOFF_SECONDS"],
        lock_seconds=config["LOGIN_LOCK_SECONDS"],
        known_days=config["LOGIN_KNOWN_CLIENT_DAYS"],
    )


@blp.route("/public-key")
class PublicKey(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self):
        """The PEM public key, algorithm, issuer and audience that verify roster's tokens."""
        config = current_app.config
        return {
            "algorithm": "RS256",
            "public_key": config["JWT_PUBLIC_KEY"],
            "issuer": config["JWT_ISSUER"],
            "audience": config["JWT_AUDIENCE"],
        }


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeOut)
    def get(self):
        """Who the token says the caller is."""
        principal = current_principal()
        return {
            "subject": principal.subject,
            "role": principal.role,
            "scope_id": principal.scope_id,
            "name": principal.name,
        }
