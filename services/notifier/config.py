"""Notifier's settings (see the README's Configuration table)."""

from shared.config import BaseConfig


class Config(BaseConfig):
    """Notifier settings from the environment."""

    SERVICE = "notifier"

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        for key, value in overrides.items():
            setattr(self, key, value)
