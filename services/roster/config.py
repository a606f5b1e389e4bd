"""Roster's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env, env_int


class Config(BaseConfig):
    def read_own(self) -> None:
        # Login limits (README, docs/security.md): failures in a row that lock an account,
        # the first lock (doubling each next time) and the longest; a known client (an
        # address or device that signed in within LOGIN_KNOWN_CLIENT_DAYS) is not kept
        # out by the lock.
        self.LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_BACKOFF_SECONDS = env_int("LOGIN_BACKOFF_SECONDS", 30)
        self.LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 900)
        self.LOGIN_KNOWN_CLIENT_DAYS = env_int("LOGIN_KNOWN_CLIENT_DAYS", 180)
        # Failed token requests per client address (Flask-Limiter, moving window), in the
        # store every roster web process shares: Redis in production, memory embedded.
        self.LOGIN_ADDRESS_LIMIT = env("LOGIN_ADDRESS_LIMIT", "10 per minute;100 per hour")
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "grassroots")
        # A sign-in lasts this long (refreshing does not extend it); a used refresh token
        # sent again within the grace is a client's race, after it a theft (the sign-in
        # is revoked).
        self.REFRESH_TOKEN_TTL_SECONDS = env_int("REFRESH_TOKEN_TTL_SECONDS", 8 * 3600)
        self.REFRESH_REUSE_GRACE_SECONDS = env_int("REFRESH_REUSE_GRACE_SECONDS", 30)
        self.IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
