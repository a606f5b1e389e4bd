"""The demo's care visits: a past Spring Festival campaign with most trainees visited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import visits
from services.welfare.models import Trainee

VISITORS = ["市委组织部 陈科长", "区委组织部 林部长", "用人单位 王书记", "镇党委 黄副书记"]
GIFTS = ["慰问金、春联", "米面油、慰问信", "慰问金、书籍", "棉被、慰问信"]


def _spring_festival(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The latest Spring Festival campaign window (late January to late February) that has
    already ended."""
    year = today.year if today > dt.date(today.year, 2, 28) else today.year - 1
    return f"{year}年春节走访慰问", dt.date(year, 1, 20), dt.date(year, 2, 28)


def load(session: Session, trainees: list[Trainee], today: dt.date, rng) -> dict:
    """The campaign and its visits. Returns counts."""
    name, starts, ends = _spring_festival(today)
    campaign = visits.create_campaign(
        session,
        {
            "name": name,
            "starts_on": starts,
            "ends_on": ends,
            "organisers": "市委组织部、各用人单位、各镇（街）党委",
            "description": "春节前后走访慰问在村锻炼的选调生，了解思想、工作和生活情况。",
        },
        by=BY,
    )
    visited = 0
    for index, trainee in enumerate(t for t in trainees if t.status == "active"):
        if index % 6 == 5:
            continue  # about one in six not visited: coverage has something to show
        visits.record_visit(
            session,
            campaign,
            trainee,
            {
                "visitor": VISITORS[index % len(VISITORS)],
                "visit_date": starts + dt.timedelta(days=rng.randrange((ends - starts).days)),
                "notes": "了解工作生活情况，勉励扎根基层。",
                "gifts": GIFTS[index % len(GIFTS)],
                "needs_raised": "",
            },
            today=today,
            role="city",
            by=BY,
        )
        visited += 1
    return {"campaigns": 1, "visits": visited}
