"""Settings from environment variables, with the defaults of the embedded system.

Every setting is documented in the README (Configuration). A service subclasses
:class:`BaseConfig` and names its prefix; its database URL is read from
``<PREFIX>_DATABASE_URL`` so that one machine can run every service's processes
side by side with one environment (the local equivalent of docker-compose).
"""

from __future__ import annotations

import os
from pathlib import Path

from shared.clock import DEFAULT_TIME_ZONE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR_DIR", PROJECT_ROOT / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """Read one environment variable; empty counts as unset."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = env(name)
    return int(value) if value is not None else default


def _read_key(name: str) -> str | None:
    """A PEM key given inline (``NAME``) or as a file path (``NAME_FILE``)."""
    inline = env(name)
    if inline:
        return inline.replace("\\n", "\n")
    path = env(f"{name}_FILE")
    if path:
        return Path(path).read_text()
    return None


def _read_secret(name: str) -> str | None:
    """A one-line secret given inline (``NAME``) or as a file (``NAME_FILE``, a compose
    secret), without surrounding blanks."""
    value = env(name)
    path = env(f"{name}_FILE")
    if value is None and path:
        value = Path(path).read_text(encoding="utf-8")
    return (value or "").strip() or None


def dev_keys() -> tuple[str, str]:
    """A key pair kept in ``var/jwt/keypair.pem`` for the embedded default and development,
    made on first use. Production passes ``JWT_PRIVATE_KEY_FILE``/``JWT_PUBLIC_KEY_FILE``."""
    from shared.auth_keys import generate_keypair

    folder = VAR_DIR / "jwt"
    path = folder / "keypair.pem"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        private, public = generate_keypair()
        tmp = folder / f"keypair.{os.getpid()}.tmp"
        tmp.write_text(private + public)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: of racing processes, the first pair wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    text = path.read_text()
    cut = text.index("-----BEGIN PUBLIC KEY-----")
    return text[:cut], text[cut:]


class BaseConfig:
    """Settings common to every service. A service's ``Config`` in ``services/<name>/
    config.py`` reads its own settings in :meth:`read_own`; its ``SERVICE`` is ``<name>``."""

    SERVICE = "base"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        package = cls.__module__.split(".")
        if "SERVICE" not in cls.__dict__ and package[0] == "services":
            cls.SERVICE = package[1]  # the service is named once, by its package

    def __init__(self, **overrides: object) -> None:
        prefix = self.SERVICE.upper()
        self.DATABASE_URL = env(
            f"{prefix}_DATABASE_URL", f"sqlite:///{VAR_DIR / (self.SERVICE + '.db')}"
        )
        # each service may log in to RabbitMQ as its own user (deploy/broker.py)
        self.BROKER_URL = env(f"{prefix}_BROKER_URL") or env("BROKER_URL", "memory://")
        self.EVENTS_EXCHANGE = env("EVENTS_EXCHANGE", "grassroots.events")
        self.QUEUE_PREFIX = env("QUEUE_PREFIX", "grassroots")
        self.JWT_PUBLIC_KEY = _read_key("JWT_PUBLIC_KEY")
        self.JWT_PRIVATE_KEY = _read_key("JWT_PRIVATE_KEY")
        if self.JWT_PUBLIC_KEY is None:
            self.JWT_PRIVATE_KEY, self.JWT_PUBLIC_KEY = dev_keys()
        self.JWT_ISSUER = env("JWT_ISSUER", "grassroots-roster")
        self.JWT_AUDIENCE = env("JWT_AUDIENCE", "grassroots")
        # Access tokens are short (refresh tokens keep a session going, see roster);
        # a revoked account's tokens are refused within REVOCATION_REFRESH_SECONDS of its
        # account.revoked reaching the service, whatever their age.
        self.JWT_TTL_SECONDS = env_int("JWT_TTL_SECONDS", 15 * 60)
        self.REVOCATION_REFRESH_SECONDS = float(env("REVOCATION_REFRESH_SECONDS", "1"))
        self.REVOCATION_WINDOW_SECONDS = env_int("REVOCATION_WINDOW_SECONDS", 24 * 3600)
        # Proxies in front of the web process whose X-Forwarded-For is believed (werkzeug's
        # ProxyFix): 0 believes none, the client address is the socket's.
        self.TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
        self.TIME_ZONE = env("TIME_ZONE", DEFAULT_TIME_ZONE)
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1 * 1024 * 1024)
        self.MAX_UPLOAD_LENGTH = env_int("MAX_UPLOAD_LENGTH", 10 * 1024 * 1024)
        # Evidence (shared/evidence.py): the largest file, and where files are kept —
        # "local" (a directory) or "s3" (an S3-compatible store such as MinIO).
        self.EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
        self.EVIDENCE_STORAGE = env("EVIDENCE_STORAGE", "local")
        self.EVIDENCE_DIR = env("EVIDENCE_DIR", str(VAR_DIR / "evidence"))
        self.EVIDENCE_S3_ENDPOINT = env("EVIDENCE_S3_ENDPOINT")
        self.EVIDENCE_S3_BUCKET = env("EVIDENCE_S3_BUCKET", "grassroots-evidence")
        self.EVIDENCE_S3_REGION = env("EVIDENCE_S3_REGION", "us-east-1")
        self.EVIDENCE_S3_ACCESS_KEY = _read_secret("EVIDENCE_S3_ACCESS_KEY")
        self.EVIDENCE_S3_SECRET_KEY = _read_secret("EVIDENCE_S3_SECRET_KEY")
        # How many years a finished cohort's archive (python -m tools.archive_cohort) is
        # kept after the cohort's last trainee finished; the manifest says until when.
        self.ARCHIVE_RETENTION_YEARS = env_int("ARCHIVE_RETENTION_YEARS", 10)
        # The longest cell an import reads (characters); a longer one is an error of its row.
        self.IMPORT_MAX_CELL = env_int("IMPORT_MAX_CELL", 4000)
        # a request body must arrive within this (under gunicorn; 408 after it): less
        # than gunicorn's worker timeout, which would kill the worker instead
        self.BODY_TIMEOUT_SECONDS = env_int("BODY_TIMEOUT_SECONDS", 20)
        self.MAX_PAGE_SIZE = env_int("MAX_PAGE_SIZE", 200)
        self.RETRY_DELAYS_MS = [
            int(x) for x in (env("RETRY_DELAYS_MS", "1000,5000,30000") or "").split(",") if x
        ]
        # Events a consumer applies in one transaction (each in a savepoint): one commit
        # for many keeps the consumers up with the web tier at month end.
        self.CONSUMER_BATCH = env_int("CONSUMER_BATCH", 50)
        # The relay (shared.outbox.run_relay): on PostgreSQL an idle relay waits for the
        # outbox's NOTIFY and looks anyway every RELAY_POLL_SECONDS; woken, it lingers
        # RELAY_LINGER_SECONDS so that the commits of a busy moment go out in one batch
        # (a wake per commit cost twice the CPU per event at month end).
        self.RELAY_POLL_SECONDS = float(env("RELAY_POLL_SECONDS", "5"))
        self.RELAY_LINGER_SECONDS = float(env("RELAY_LINGER_SECONDS", "0.05"))
        # The database away (refused, lost, pool exhausted, locked): 503 with this
        # Retry-After; a second request with an Idempotency-Key in flight waits this long
        # for the first before a 409.
        self.UNAVAILABLE_RETRY_AFTER_SECONDS = env_int("UNAVAILABLE_RETRY_AFTER_SECONDS", 5)
        self.IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 10)
        self.LOG_LEVEL = env("LOG_LEVEL", "INFO")
        # /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is a 404
        self.METRICS_TOKEN = _read_secret("METRICS_TOKEN")
        self.TESTING = False
        self.read_own()
        for key, value in overrides.items():
            setattr(self, key, value)

    def read_own(self) -> None:
        """A service's own settings, from the environment (a subclass's); the overrides
        given to the constructor are applied after them."""

    @property
    def max_attempts(self) -> int:
        """Deliveries of one event before it is parked: the first plus one per retry delay."""
        return len(self.RETRY_DELAYS_MS) + 1

    def flask_settings(self) -> dict:
        """The upper-case attributes, as Flask's ``app.config`` takes them."""
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}
