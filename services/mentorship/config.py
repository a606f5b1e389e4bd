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
    def read_own(self) -> None:
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
        # The day of the month by which each mentor should have talked with each mentee:
        # the scheduler reminds them on it (the next working day if it is not one).
        self.TALK_REMINDER_DAY = env_int("TALK_REMINDER_DAY", 20)
        if not 1 <= self.TALK_REMINDER_DAY <= 28:
            raise ValueError("TALK_REMINDER_DAY: a day from 1 to 28")
        # How often mentorship-scheduler runs its tick.
        self.TICK_INTERVAL_SECONDS = env_int("MENTORSHIP_TICK_INTERVAL_SECONDS", 60)
