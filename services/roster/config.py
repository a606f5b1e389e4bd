"""Roster's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env_int


class Config(BaseConfig):
    """Roster settings from the environment."""

    SERVICE = "roster"

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        # Login throttling: failures per username before a lock, and its length.
        self.LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 900)
        self.IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
        for key, value in overrides.items():
            setattr(self, key, value)
