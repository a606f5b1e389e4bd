"""The domain's words in Chinese, by code, for the services' refusals and exports: one
table each, as the glossary (DESIGN.md) names them. The console keeps its own labels
(``services/console/codes.py``), translated through its catalogue."""

from __future__ import annotations

#: The four kinds of mentor (导师).
MENTOR_ROLES = {
    "integrity": "廉政导师",
    "business": "业务导师",
    "responsible": "责任导师",
    "practical": "实践导师",
}
#: Who an account speaks for (its role).
ACCOUNT_ROLES = {
    "city": "市委组织部",
    "unit": "单位",
    "town": "镇（街）",
    "mentor": "导师",
    "trainee": "选调生",
}
#: The places a trainee is placed in or employed by.
PLACES = {"town": "镇（街）", "village": "村（社区）", "unit": "单位"}
#: A trainee's status.
TRAINEE_STATUSES = {
    "registered": "已登记",
    "active": "在岗",
    "completed": "期满",
    "withdrawn": "退出",
}
