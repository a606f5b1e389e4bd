"""One RabbitMQ user per service, allowed only what that service does.

Each service logs in as ``grassroots-<service>`` (``<SERVICE>_BROKER_URL``) and may

- publish to the events exchange only its own event types (RabbitMQ's topic permissions on
  the routing key: roster ``town.*``, ``trainee.*``, …; reporting ``report.*``, …);
- declare, bind, read and write only its own queues (``<prefix>.<service>``, ``.retry``,
  ``.parked``) and its own direct exchange (``<prefix>.<service>``, bound only to those
  queues), through which its retry, parking and replay hops go;
- nothing else: another service's queue or exchange, the default exchange (``amq.default``,
  which would reach any queue by its name), the management of users.

The broker also checks every message's ``user_id`` is the publisher's own login, and each
consumer refuses an event whose publisher is not its type's owner (``shared/consumer.py``),
so no service can put another's event into any queue (``tests/broker``).

    python -m deploy.broker setup          create or update the users on the local RabbitMQ
                                           (passwords from <SERVICE>_BROKER_PASSWORD, or
                                           printed once when made up)
    python -m deploy.broker definitions --env-file .env \
        > deploy/secrets/rabbitmq-definitions.json
                                           the same as a definitions file for RabbitMQ's
                                           load_definitions (docker-compose mounts it),
                                           with an ``admin`` login; made-up passwords go
                                           to .env, which docker compose reads

``PUBLISHES`` is who publishes what, from the event catalogue's ``OWNERS`` (the owners the
consumers expect); a test checks it covers the event catalogue exactly once.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys

from shared.bus import broker_user
from shared.events.catalogue import OWNERS

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")
#: service -> the first part of the event types it publishes (the routing keys); the
#: notifier publishes none.
PUBLISHES: dict[str, tuple[str, ...]] = {
    service: tuple(kind for kind, owner in OWNERS.items() if owner == service)
    for service in SERVICES
}


def username(service: str, user_prefix: str = "grassroots") -> str:
    """The login of ``service``, as its consumers expect its events (``shared.consumer``)."""
    return broker_user(service, user_prefix)


def permissions(service: str, exchange: str, queue_prefix: str) -> dict[str, str]:
    """The vhost permissions (regexes) and the topic permission on ``exchange``. ``own``
    matches the service's three queues and its own exchange (named as its main queue)."""
    own = rf"{re.escape(queue_prefix)}\.{re.escape(service)}(\.(retry|parked))?"
    ex = re.escape(exchange)
    kinds = PUBLISHES[service]
    topic_write = rf"^({'|'.join(re.escape(k) for k in kinds)})\.[a-z_]+$" if kinds else "^$"
    return {
        # declare the events exchange (idempotent), its own exchange and queues
        "configure": rf"^({ex}|{own})$",
        # publish to the events exchange (topic-checked) and to its own exchange (the
        # retry, parking and replay hops; the retry queue's dead-letter exchange), bind its
        # queues; never the default exchange
        "write": rf"^({ex}|{own})$",
        # bind from the events exchange and its own, consume its own queues
        "read": rf"^({ex}|{own})$",
        "topic_write": topic_write,
        "topic_read": ".*",
    }


def setup(
    passwords: dict[str, str],
    exchange: str = "grassroots.events",
    queue_prefix: str = "grassroots",
    vhost: str = "/",
    user_prefix: str = "grassroots",
) -> None:
    """Create (or update) every service's user and permissions with rabbitmqctl."""

    def ctl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["rabbitmqctl", "--quiet", *args], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip

    for service, password in passwords.items():
        user = username(service, user_prefix)
        if ctl("add_user", user, password).returncode != 0:
            result = ctl("change_password", user, password)
            if result.returncode != 0:
                raise RuntimeError(f"rabbitmqctl: {user}: {result.stderr.strip()}")
        p = permissions(service, exchange, queue_prefix)
        for args in (
            ("set_permissions", "-p", vhost, user, p["configure"], p["write"], p["read"]),
            ("set_topic_permissions", "-p", vhost, user, exchange, p["topic_write"],
             p["topic_read"]),
        ):  # fmt: skip
            result = ctl(*args)
            if result.returncode != 0:
                raise RuntimeError(f"rabbitmqctl {args[0]} {user}: {result.stderr.strip()}")


def remove(services, user_prefix: str = "grassroots") -> None:
    for service in services:
        subprocess.run(["rabbitmqctl", "--quiet", "delete_user", username(service, user_prefix)],
                       capture_output=True, timeout=60, check=False)  # fmt: skip


def password_hash(password: str) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4)
    digest = hashlib.sha256(salt + password.encode()).digest()
    return base64.b64encode(salt + digest).decode()


def definitions(passwords: dict[str, str], exchange: str = "grassroots.events",
                queue_prefix: str = "grassroots", vhost: str = "/",
                admin_password: str | None = None) -> dict:  # fmt: skip
    """A RabbitMQ definitions document with the users and their permissions."""
    users, perms, topics = [], [], []
    for service, password in passwords.items():
        user = username(service)
        p = permissions(service, exchange, queue_prefix)
        hashed = password_hash(password)
        users.append({"name": user, "password_hash": hashed, "tags": [],
                      "hashing_algorithm": "rabbit_password_hashing_sha256"})  # fmt: skip
        perms.append({"user": user, "vhost": vhost, "configure": p["configure"],
                      "write": p["write"], "read": p["read"]})  # fmt: skip
        topics.append({"user": user, "vhost": vhost, "exchange": exchange,
                       "write": p["topic_write"], "read": p["topic_read"]})  # fmt: skip
    if admin_password:  # the operators' own login (load_definitions makes no guest)
        users.append({"name": "admin", "password_hash": password_hash(admin_password),
                      "tags": ["administrator"],
                      "hashing_algorithm": "rabbit_password_hashing_sha256"})  # fmt: skip
        perms.append({"user": "admin", "vhost": vhost, "configure": ".*", "write": ".*",
                      "read": ".*"})  # fmt: skip
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": perms,
            "topic_permissions": topics}  # fmt: skip


def _passwords(env_file: str | None) -> tuple[dict[str, str], str]:
    """Each service's password (and the admin's) from the environment, or made up; the
    made-up ones are appended to ``env_file`` (docker compose reads ``.env``) or printed."""
    out, made = {}, []
    for name in (*SERVICES, "rabbitmq_admin"):
        key = f"{name.upper()}_BROKER_PASSWORD" if name != "rabbitmq_admin" else (
            "RABBITMQ_ADMIN_PASSWORD")  # fmt: skip
        value = os.environ.get(key)
        if not value:
            value = secrets.token_urlsafe(18)
            made.append(f"{key}={value}")
        out[name] = value
    if made:
        if env_file:
            with open(env_file, "a", encoding="utf-8") as f:
                f.write("\n".join(made) + "\n")
        else:
            print("\n".join(made), file=sys.stderr)
    admin = out.pop("rabbitmq_admin")
    return out, admin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.broker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["setup", "definitions"])
    exchange = os.environ.get("EVENTS_EXCHANGE", "grassroots.events")
    parser.add_argument("--exchange", default=exchange)
    parser.add_argument("--queue-prefix", default=os.environ.get("QUEUE_PREFIX", "grassroots"))
    parser.add_argument("--env-file", help="append made-up passwords here (e.g. .env)")
    args = parser.parse_args(argv)
    passwords, admin = _passwords(args.env_file)
    if args.command == "setup":
        setup(passwords, args.exchange, args.queue_prefix)
        print("users: " + ", ".join(username(s) for s in SERVICES))
    else:
        document = definitions(passwords, args.exchange, args.queue_prefix, admin_password=admin)
        print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
