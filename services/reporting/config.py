"""Reporting's settings (see the README's Configuration table)."""

from shared.config import BaseConfig, env, env_int

REVIEW_STEPS = ("town", "unit")


def _chain(text: str, name: str = "REPORT_REVIEW_CHAIN", steps_allowed=REVIEW_STEPS):
    steps = tuple(part.strip() for part in text.split(",") if part.strip())
    if (
        not steps
        or any(step not in steps_allowed for step in steps)
        or len(set(steps)) != len(steps)
    ):
        raise ValueError(f"{name}: {text!r} is not a list of {', '.join(steps_allowed)}")
    return steps


class Config(BaseConfig):
    def read_own(self) -> None:
        # Reports (periods, deadlines, review): the day of the next month by which the two
        # monthly forms are due, and of the month after a quarter for the quarterly report.
        self.REPORT_MONTHLY_DEADLINE_DAY = env_int("REPORT_MONTHLY_DEADLINE_DAY", 5)
        self.REPORT_QUARTERLY_DEADLINE_DAY = env_int("REPORT_QUARTERLY_DEADLINE_DAY", 10)
        # Who signs a report off, in order; "town" is skipped for a trainee not stationed.
        self.REPORT_REVIEW_CHAIN = _chain(env("REPORT_REVIEW_CHAIN", "town,unit"))
        # Who signs an evaluation (年度考核, 期满鉴定) off, in order; the town is skipped
        # for a trainee not stationed, and the city's approval is always final.
        self.EVALUATION_REVIEW_CHAIN = _chain(
            env("EVALUATION_REVIEW_CHAIN", "town,unit,city"),
            "EVALUATION_REVIEW_CHAIN",
            ("town", "unit", "city"),
        )
        # The largest share of the evaluated of a kind and year that may be graded 优秀.
        self.EVALUATION_EXCELLENT_QUOTA = float(env("EVALUATION_EXCELLENT_QUOTA", "0.2"))
        # A mentor sees the sums of its trainees' ratings only from this many on.
        self.MENTOR_RATING_MIN_SHOWN = env_int("MENTOR_RATING_MIN_SHOWN", 3)
        # How often the scheduler process runs the tick.
        self.TICK_INTERVAL_SECONDS = env_int("TICK_INTERVAL_SECONDS", 60)
        # Largest duty-list file (rows).
        self.DUTY_IMPORT_MAX_ROWS = env_int("DUTY_IMPORT_MAX_ROWS", 5000)
