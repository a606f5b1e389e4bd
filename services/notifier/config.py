"""Notifier's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env, env_int


def env_bool(name: str, default: bool) -> bool:
    """A yes/no environment variable (``true``/``1``/``yes`` are yes)."""
    value = env(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class Config(BaseConfig):
    def read_own(self) -> None:
        self.NOTIFIER_SMTP_HOST = env("NOTIFIER_SMTP_HOST")
        self.NOTIFIER_SMTP_PORT = env_int("NOTIFIER_SMTP_PORT", 25)
        self.NOTIFIER_SMTP_USER = env("NOTIFIER_SMTP_USER")
        self.NOTIFIER_SMTP_PASSWORD = env("NOTIFIER_SMTP_PASSWORD")
        self.NOTIFIER_SMTP_FROM = env("NOTIFIER_SMTP_FROM", "grassroots@localhost")
        self.NOTIFIER_SMTP_STARTTLS = env_bool("NOTIFIER_SMTP_STARTTLS", False)
        self.NOTIFIER_SMS_URL = env("NOTIFIER_SMS_URL")
        self.NOTIFIER_SMS_TOKEN = env("NOTIFIER_SMS_TOKEN")
        self.NOTIFIER_SEND_TIMEOUT = float(env("NOTIFIER_SEND_TIMEOUT", "10") or 10)
        self.NOTIFIER_MAX_ATTEMPTS = env_int("NOTIFIER_MAX_ATTEMPTS", 5)
        self.NOTIFIER_RETRY_BASE_SECONDS = float(env("NOTIFIER_RETRY_BASE_SECONDS", "30") or 30)
        self.NOTIFIER_WEBHOOK_MAX_FAILURES = env_int("NOTIFIER_WEBHOOK_MAX_FAILURES", 5)
        self.NOTIFIER_ALLOW_PRIVATE_WEBHOOKS = env_bool("NOTIFIER_ALLOW_PRIVATE_WEBHOOKS", False)
        self.NOTIFIER_SELF_HOSTS = env("NOTIFIER_SELF_HOSTS", "localhost,notifier")
        self.NOTIFIER_DIGEST_HOUR = env_int("NOTIFIER_DIGEST_HOUR", 18)
        self.NOTIFIER_POLL_SECONDS = float(env("NOTIFIER_POLL_SECONDS", "1") or 1)
        self.NOTIFIER_DIGEST_INTERVAL_SECONDS = float(
            env("NOTIFIER_DIGEST_INTERVAL_SECONDS", "30") or 30
        )
