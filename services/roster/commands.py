"""Roster's own management commands (``python -m services.roster.manage <command>``)."""

from __future__ import annotations

import argparse
import getpass
import os

from services.roster import demo
from services.roster.domain import accounts as domain
from shared.db import Database
from shared.errors import DomainError


def create_account(args: argparse.Namespace, config) -> int:
    """Create a login: the first city account of a new installation, for instance."""
    password = args.password or os.environ.get("ACCOUNT_PASSWORD") or getpass.getpass()
    db = Database.of(config)
    try:
        with db.transaction() as session:
            account, _ = domain.create_account(
                session,
                {
                    "username": args.username,
                    "role": args.role,
                    "scope_id": args.scope_id,
                    "password": password,
                    "display_name": args.display_name or args.username,
                },
            )
            print(f"account {account.username} ({account.role}) created with id {account.id}")
    except DomainError as exc:
        print(f"error: {exc.detail} {exc.errors or ''}")
        return 2
    finally:
        db.dispose()
    return 0


create_account.arguments = [
    (("--username",), {"required": True}),
    (("--role",), {"required": True, "choices": ["city", "unit", "town", "mentor", "trainee"]}),
    (("--scope-id",), {"type": int, "default": None}),
    (("--password",), {"default": None, "help": "else $ACCOUNT_PASSWORD, else asked"}),
    (("--display-name",), {"default": ""}),
]


def load_demo(args: argparse.Namespace, config) -> int:
    """Load the demo city into an empty roster database."""
    db = Database.of(config)
    try:
        with db.transaction() as session:
            if demo.is_loaded(session):
                print("roster already has data; nothing loaded")
                return 0
            print(f"loaded: {demo.load(session)}")
    finally:
        db.dispose()
    return 0


COMMANDS = {"create-account": create_account, "load-demo": load_demo}
