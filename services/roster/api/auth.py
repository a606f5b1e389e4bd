"""Tokens: ``POST /auth/token`` (password or client credentials), the public key every
service verifies tokens with, and ``/auth/me``."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from services.roster import domain
from services.roster.schemas import MeOut, TokenIn, TokenOut
from shared.auth import current_principal, issue_token
from shared.db import session
from shared.http import PROBLEM_JSON, ProblemSchema, problem

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1/roster/auth",
    description="Tokens (RS256 JWT) and the public key to verify them",
)
_token_in = TokenIn()


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
        401, schema=ProblemSchema, content_type=PROBLEM_JSON, description="wrong credentials"
    )
    @blp.alt_response(
        429,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="locked after repeated failures; see Retry-After",
    )
    def post(self):
        """Exchange a username and password (``grant_type=password``) or a client id and
        secret (``grant_type=client_credentials``, for a town's own system) for a token.
        JSON or form-encoded. Repeated failures lock the account for a while (429)."""
        if request.mimetype == "application/x-www-form-urlencoded":
            raw = request.form.to_dict()
        else:
            raw = request.get_json(silent=True)
            if raw is None:
                raise problem(400, "Bad Request", "send JSON or a form", {"body": ["not JSON"]})
        try:
            data = _token_in.load(raw)
        except ValidationError as exc:
            raise problem(
                422, "Unprocessable Entity", "the request did not validate", exc.messages
            ) from None
        config = current_app.config
        if data["grant_type"] == "password":
            username, secret, kind = data["username"], data["password"], "user"
        else:
            username, secret, kind = data["client_id"], data["client_secret"], "client"
        try:
            account = domain.authenticate(
                session(),
                username,
                secret,
                kind,
                config["LOGIN_MAX_FAILURES"],
                config["LOGIN_LOCK_SECONDS"],
            )
        except domain.BadCredentials:
            session().commit()  # keep the failure count
            raise
        session().commit()
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
