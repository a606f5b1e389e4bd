"""Accounts: logins for people and client credentials for towns' and units' own systems.
The city manages every account; a town or unit may create client credentials for its own
scope (its IT team integrating with the API)."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import fields, validate

from services.roster.domain import accounts as domain
from services.roster.models import Account
from services.roster.schemas.accounts import (
    AccountCreatedOut,
    AccountIn,
    AccountListArgs,
    AccountOut,
    AccountPage,
)
from shared import fields as clean
from shared.api import blueprint, endpoint
from shared.auth import act, check_scope, current_principal
from shared.db import session
from shared.http import StrictSchema, paginate, problem
from shared.normalize import message

blp = blueprint("accounts", "/api/v1/roster/accounts", "Accounts and client credentials")


class AccountPatch(StrictSchema):
    display_name = clean.Text(validate=validate.Length(max=100))
    email = clean.Email(allow_none=True, validate=validate.Length(max=254))
    phone = clean.Phone(allow_none=True)
    active = fields.Boolean()
    password = fields.String(validate=validate.Length(min=4, max=128), load_only=True)


def _scope_clause(principal):
    if principal.is_city:
        return sa.true()
    return sa.and_(Account.role == principal.role, Account.scope_id == principal.scope_id)


@endpoint(blp, "GET", "city", "town", "unit", query=AccountListArgs, out=AccountPage)
def get_accounts(args):
    """Accounts the caller manages (a town or unit: its own); search (``q``: part of
    the username or display name), filter by ``role``; sort
    by ``username``, ``display_name``, ``role``, ``kind``, ``active``, ``id``."""
    query = sa.select(Account).where(_scope_clause(current_principal()))
    if args.get("role"):
        query = query.where(Account.role == args["role"])
    if args.get("q"):
        query = query.where(
            sa.or_(
                Account.username.contains(args["q"], autoescape=True),
                Account.display_name.contains(args["q"], autoescape=True),
            )
        )
    return paginate(
        session(),
        query,
        args,
        (
            Account.id,
            Account.username,
            Account.display_name,
            Account.role,
            Account.kind,
            Account.active,
        ),
    )


@endpoint(blp, "POST", "city", "town", "unit", body=AccountIn, out=AccountCreatedOut, status=201)
def post_accounts(data):
    """Create a login, or a client credential (``kind=client``) whose
    ``client_secret`` is in this response only. Announced as ``account.created``."""
    principal = current_principal()
    if not principal.is_city and (
        data["kind"] != "client"
        or data["role"] != principal.role
        or data.get("scope_id") != principal.scope_id
    ):
        raise problem(
            403,
            "Forbidden",
            message(
                "镇（街）或单位只能为本级创建系统对接凭据",
                "a town or unit creates only client credentials for itself",
            ),
        )
    account, secret = act(domain.create_account, data)
    if secret:
        # Not a column: the secret is only in this response (the response decorator
        # dumps the account; a dict dumped twice would lose its masked phone).
        account.client_secret = secret
    return account


@endpoint(blp, "GET /<int:id>", "city", "town", "unit", out=AccountOut)
def get_account_item(id):
    """One account the caller manages."""
    return _load(id)


@endpoint(blp, "PATCH /<int:id>", "city", "town", "unit", body=AccountPatch, out=AccountOut)
def patch_account_item(data, id):
    """Change contact details, deactivate, or set a new password. Deactivating or a
    new password ends the account's tokens on every service within seconds
    (``account.revoked``)."""
    account = _load(id)
    act(domain.update_account, account, data)
    return account


def _load(id_: int) -> Account:
    account = session().get(Account, id_)
    principal = current_principal()
    allowed = account is not None and (
        principal.is_city
        or (account.role == principal.role and account.scope_id == principal.scope_id)
    )
    check_scope(account if allowed else None)
    return account
