"""Notifier fixtures: the generic world with accounts (how people are reached), a real
local SMTP server (aiosmtpd), a real HTTP server standing in for the SMS gateway, and a
webhook receiver; all on free ports of 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.worlds import build_world

#: Accounts as roster announces them: (id, username, role, scope, name, email, phone).
ACCOUNTS = [
    (1, "xueyuan1", "trainee", 1, "张三", "zhangsan@example.cn", "13800000001"),
    (2, "xueyuan2", "trainee", 2, "李四", "lisi@example.cn", "13800000002"),
    (3, "shilong", "town", 1, "石龙镇组织办", "shilong@example.cn", "13800000003"),
    (4, "xintang", "town", 2, "新塘镇组织办", "xintang@example.cn", None),
    (5, "caizheng", "unit", 1, "区财政局人事科", "caizheng@example.cn", None),
    (6, "daoshi105", "mentor", 105, "王书记", "wang105@example.cn", "13800000105"),
    (7, "daoshi102", "mentor", 102, "陈科长", "chen102@example.cn", None),
    (8, "jiaoyu", "unit", 2, "区教育局人事科", "jiaoyu@example.cn", None),
]

TEST_SETTINGS = {
    "NOTIFIER_ALLOW_PRIVATE_WEBHOOKS": True,
    "NOTIFIER_RETRY_BASE_SECONDS": 0.0,
    "NOTIFIER_POLL_SECONDS": 0.02,
    "NOTIFIER_SEND_TIMEOUT": 5.0,
}


def feed_accounts(world) -> None:
    for id_, username, role, scope, name, mail, phone in ACCOUNTS:
        world.feed(
            "account.created",
            {
                "id": id_,
                "username": username,
                "role": role,
                "scope_id": scope,
                "display_name": name,
                "email": mail,
                "phone": phone,
                "active": True,
            },
        )


def notifier_world(url: str, **settings):
    world = build_world("notifier", url, **{**TEST_SETTINGS, **settings})
    feed_accounts(world)
    return world


@pytest.fixture
def world(tmp_path):
    """The seeded world with accounts, on a fresh SQLite database of this test (a copy of
    the world ``tests.worlds.build_world`` seeds once per process)."""
    world = notifier_world(f"sqlite:///{tmp_path / 'notifier.db'}")
    yield world
    world.db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        with self.lock:
            return [m["message"] for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port; ``.port`` and ``.mailbox``."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.mailbox = mailbox
    yield controller
    controller.stop()


class Recorder(http.server.ThreadingHTTPServer):
    """An HTTP server that records every request and answers ``status``."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RecordingHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's hook
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            status = self.server.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"ok": status < 300}).encode())

    def log_message(self, *_args):
        pass


def _serve():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def sms_gateway():
    """A real HTTP server standing in for the SMS gateway."""
    server = _serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def receivers():
    """A factory of webhook receivers (each a real HTTP server)."""
    servers: list[Recorder] = []

    def make() -> Recorder:
        server = _serve()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
