"""Welfare's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env_int


class Config(BaseConfig):
    def read_own(self) -> None:
        # Days a placement fee may stay unpaid after the placement start before it is
        # overdue, for policies that do not say otherwise.
        self.PLACEMENT_FEE_DUE_DAYS = env_int("PLACEMENT_FEE_DUE_DAYS", 30)
        # Days a need may stay unresolved before it is overdue.
        self.NEED_DUE_DAYS = env_int("NEED_DUE_DAYS", 15)
        # How often the scheduler process runs welfare's tick (a month's subsidies are
        # generated at the first tick after it ends).
        self.TICK_INTERVAL_SECONDS = env_int("WELFARE_TICK_INTERVAL_SECONDS", 60)
