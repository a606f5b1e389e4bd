"""Roster's rules: accounts (logins and client credentials)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.domain.auth import hash_secret, revoke_tokens
from services.roster.domain.common import emit, name_zh
from services.roster.models import Account, Person, Town, Trainee, Unit
from shared.audit import state
from shared.errors import Conflict, DomainError

_SCOPE_MODELS = {"unit": Unit, "town": Town, "mentor": Person, "trainee": Trainee}


def account_payload(account: Account) -> dict:
    return state(
        account, "id", "username", "role", "scope_id", "display_name", "email", "phone", "active"
    )


def create_account(session: Session, data: dict) -> tuple[Account, str | None]:
    """Create a login (``kind=user`` with a password) or a client credential
    (``kind=client``; its secret is generated and returned once)."""
    data = dict(data)
    role, scope_id = data["role"], data.get("scope_id")
    if role == "city":
        if scope_id is not None:
            raise DomainError.on(
                "scope_id",
                ("市委组织部账号不设管理范围", "a city account has no scope"),
                ("应为空", "must be empty"),
            )
    else:
        model = _SCOPE_MODELS[role]
        if scope_id is None or session.get(model, scope_id) is None:
            table = model.__tablename__
            raise DomainError.on(
                "scope_id",
                (
                    f"{name_zh(role)}账号须填写一个已登记的{name_zh(table)}的编号",
                    f"a {role} account needs the id of an existing {table}",
                ),
                ("不存在", "not found"),
            )
    if session.scalar(sa.select(Account.id).where(Account.username == data["username"])):
        raise Conflict.on(
            "username", ("该用户名已被使用", "this username is taken"), ("已被使用", "already used")
        )
    secret = None
    if data.get("kind", "user") == "client":
        secret = secrets.token_urlsafe(32)
        data.pop("password", None)
        data["secret_hash"] = hash_secret(secret)
    else:
        password = data.pop("password", None)
        if not password:
            raise DomainError.on(
                "password",
                ("登录账号须设置密码", "a user account needs a password"),
                ("必填", "required"),
            )
        data["secret_hash"] = hash_secret(password)
    account = Account(**data)
    session.add(account)
    session.flush()
    emit(session, "account.created", account_payload(account))
    return account, secret


def update_account(session: Session, account: Account, data: dict) -> Account:
    """Change an account's contact details, activity or password; setting it inactive or
    a new password revokes its tokens. Announced as ``account.updated``."""
    data = dict(data)
    reason = None
    if "password" in data:
        account.secret_hash = hash_secret(data.pop("password"))
        reason = "password_changed"
    if data.get("active") is False and account.active:
        reason = "account_inactive"
    for key, value in data.items():
        setattr(account, key, value)
    session.flush()
    emit(session, "account.updated", account_payload(account))
    if reason:
        revoke_tokens(session, account, reason)
    return account
