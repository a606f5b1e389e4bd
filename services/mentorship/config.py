"""Mentorship's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env, env_int

ROLES = ("integrity", "business", "responsible", "practical")


def _cadence(text: str) -> dict[str, str]:
    pairs = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    cadence = {role: pairs.get(role, "monthly").strip() for role in ROLES}
    for role, value in cadence.items():
        if value not in ("monthly", "quarterly"):
            raise ValueError(f"TALK_CADENCE: {role}={value} is neither monthly nor quarterly")
    return cadence


class Config(BaseConfig):
    """Mentorship settings from the environment."""

    SERVICE = "mentorship"

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        # How many trainees one person may mentor in each role at once.
        self.MENTOR_CAPACITY = {
            "integrity": env_int("MENTOR_CAPACITY_INTEGRITY", 10),
            "business": env_int("MENTOR_CAPACITY_BUSINESS", 5),
            "responsible": env_int("MENTOR_CAPACITY_RESPONSIBLE", 60),
            "practical": env_int("MENTOR_CAPACITY_PRACTICAL", 5),
        }
        # How often each role must talk with each mentee.
        self.TALK_CADENCE = _cadence(
            env(
                "TALK_CADENCE",
                "integrity=quarterly,business=monthly,responsible=monthly,practical=monthly",
            )
        )
        for key, value in overrides.items():
            setattr(self, key, value)
