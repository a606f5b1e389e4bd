"""The outside world the notifier talks to, stood up for the journey on free local ports:
a real SMTP server (aiosmtpd), an SMS gateway stand-in speaking the notifier's gateway
protocol (``POST {"to": [...], "text": ..., "reference": ...}`` with a bearer token), and a
town's webhook receiver that checks every delivery's HMAC signature. Each keeps what it
received, so the journey can count exactly what was delivered."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from deploy.stack import free_port

SMS_TOKEN = "journey-sms-token"


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    event_type: str
    event_id: str


@dataclass
class Sms:
    to: list[str]
    text: str
    reference: str


@dataclass
class Hook:
    event_type: str
    event_id: str
    delivery: str
    signed: bool
    payload: dict


@dataclass
class Receivers:
    """Start with :meth:`start`, stop with :meth:`stop`; ``env`` is what the notifier needs."""

    mails: list[Mail] = field(default_factory=list)
    texts: list[Sms] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    sms_refused: int = 0
    secret: str | None = None  # the webhook subscription's secret, once subscribed

    def start(self) -> Receivers:
        from aiosmtpd.controller import Controller

        receivers = self

        class SmtpHandler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                receivers.mails.append(
                    Mail(
                        to=list(envelope.rcpt_tos),
                        subject=str(message["Subject"]),
                        body=message.get_content(),
                        event_type=str(message.get("X-Grassroots-Event-Type", "")),
                        event_id=str(message.get("X-Grassroots-Event", "")),
                    )
                )
                return "250 OK"

        self.smtp_port = free_port()
        self._smtp = Controller(SmtpHandler(), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._sms = _serve(self._on_sms)
        self._hook = _serve(self._on_hook)
        return self

    def stop(self) -> None:
        self._smtp.stop()
        for server in (self._sms, self._hook):
            server.shutdown()
            server.server_close()

    @property
    def env(self) -> dict[str, str]:
        """The notifier's settings that point it here."""
        return {
            "NOTIFIER_SMTP_HOST": "127.0.0.1",
            "NOTIFIER_SMTP_PORT": str(self.smtp_port),
            "NOTIFIER_SMTP_FROM": "grassroots@journey.example",
            "NOTIFIER_SMS_URL": f"http://127.0.0.1:{self._sms.server_port}/send",
            "NOTIFIER_SMS_TOKEN": SMS_TOKEN,
            "NOTIFIER_ALLOW_PRIVATE_WEBHOOKS": "true",
        }

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self._hook.server_port}/grassroots"

    def _on_sms(self, headers, raw: bytes) -> int:
        if headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
            self.sms_refused += 1
            return 401
        body = json.loads(raw)
        self.texts.append(Sms(list(body["to"]), body["text"], str(body["reference"])))
        return 200

    def _on_hook(self, headers, raw: bytes) -> int:
        signed = False
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(expected, headers.get("X-Grassroots-Signature", ""))
        self.hooks.append(
            Hook(
                event_type=headers.get("X-Grassroots-Event-Type", ""),
                event_id=headers.get("X-Grassroots-Event", ""),
                delivery=headers.get("X-Grassroots-Delivery", ""),
                signed=signed,
                payload=json.loads(raw).get("payload", {}),
            )
        )
        return 204


def _serve(on_post) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = on_post(self.headers, raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="journey-receiver").start()
    return server
