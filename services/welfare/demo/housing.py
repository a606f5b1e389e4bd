"""The demo's turnover housing: housing in every town with a few vacancies (and one
trainee who moved, flagged for release), and idle-house conversions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import housing
from services.welfare.models import Town, Trainee

STREETS = ["镇政府大院", "文化站旁", "卫生院后楼", "中学教师宿舍", "老供销社"]


def load(session: Session, towns: list[Town], trainees: list[Trainee], today) -> dict:
    """Housing, allocations, conversions and one flagged bed. Returns counts."""
    made = {"housing": 0, "allocations": 0, "flagged": 0, "conversions": 0}
    by_town: dict[int, list[Trainee]] = {}
    for trainee in trainees:
        if trainee.town_id is not None and trainee.status == "active":
            by_town.setdefault(trainee.town_id, []).append(trainee)
    for index, town in enumerate(towns):
        residents = by_town.get(town.id, [])
        # Beds for everyone plus one or two to spare: a few vacancies across the city.
        spare = 1 + index % 2
        beds_needed = max(len(residents) + spare, 2)
        units = []
        for n, beds in enumerate((beds_needed - beds_needed // 2, beds_needed // 2)):
            if beds < 1:
                continue
            units.append(
                housing.create_housing(
                    session,
                    town.id,
                    {
                        "address": f"{town.name}{STREETS[(index + n) % len(STREETS)]}{n + 1}号",
                        "rooms": max(1, beds // 2),
                        "beds": beds,
                        "source": "converted_idle_house" if n else "new_build",
                        "condition": "良好" if n == 0 else "已翻新",
                        "note": "",
                    },
                )
            )
            made["housing"] += 1
        slots = [h for h in units for _ in range(h.beds)]
        for trainee, unit in zip(residents, slots, strict=False):
            start = max(trainee.placement_start or today, today - dt.timedelta(days=200))
            housing.allocate(session, unit.id, trainee.id, min(start, today), today=today, by=BY)
            made["allocations"] += 1
        status = ("planned", "in_progress", "done")[index % 3]
        housing.save_conversion(
            session,
            None,
            town.id,
            {
                "address": f"{town.name}闲置村小学",
                "status": status,
                "beds_gained": 4 if status == "done" else 0,
                "planned_on": today - dt.timedelta(days=240),
                "started_on": None if status == "planned" else today - dt.timedelta(days=150),
                "completed_on": today - dt.timedelta(days=30) if status == "done" else None,
                "note": "",
            },
        )
        made["conversions"] += 1
    # One trainee about to move town: the bed is flagged for the clerk to release.
    housed = [t for t in trainees if t.town_id in by_town and t.status == "active"]
    if housed and housing.flag_for_release(session, housed[-1].id, "调往其他镇（演示）"):
        made["flagged"] += 1
    return made
