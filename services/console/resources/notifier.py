"""The notifier's resources: each person's own notification preferences (which channels
besides the inbox, SMS quiet hours, a daily digest, the language), a form the person
edits for themself at ``/notifier/preferences/``."""

from __future__ import annotations

from functools import partial

from flask import url_for

from services.console.client import Api
from services.console.i18n import N_
from services.console.i18n import gettext as _
from services.console.resources.base import Field, Resource
from services.console.resources.fields import checkbox, select
from services.console.views.common import EVERYONE

_resource = partial(Resource, service="notifier")


def _languages() -> list[tuple]:
    return [("zh", _("中文")), ("en", "English")]


def _mine(client: Api) -> dict:
    """My preferences, shaped as the form's fields (a checkbox per channel)."""
    row = client.get("notifier", "/preferences")
    channels = row.get("channels") or []
    return {
        **row,
        "id": 0,
        "email": "email" in channels,
        "sms": "sms" in channels,
    }


def _body(body: dict, mode: str) -> dict:
    """The form's checkboxes become the list of channels; two empty times no quiet hours."""
    channels = [c for c in ("email", "sms") if body.pop(c, False)]
    quiet = body.pop("quiet_hours", None) or {}
    return {
        "channels": channels,
        "quiet_hours": quiet if (quiet.get("start") or quiet.get("end")) else None,
        "digest": bool(body.get("digest")),
        "language": body.get("language") or "zh",
    }


def _save(client: Api, body: dict, id_: int | None) -> dict:
    client.put("notifier", "/preferences", body)
    return {"id": 0}


PREFERENCES = _resource(
    "preferences",
    N_("通知设置"),
    show_name=lambda row: _("我的"),
    fields=[
        checkbox("email", N_("电子邮件"), help=N_("站内消息总是开启。")),
        checkbox("sms", N_("短信")),
        Field(
            "quiet_start",
            N_("免打扰开始"),
            api="quiet_hours.start",
            help=N_("时:分，如 22:00；此时段内短信等到结束再发。两项都空则不设。"),
        ),
        Field("quiet_end", N_("免打扰结束"), api="quiet_hours.end"),
        checkbox("digest", N_("每日汇总"), help=N_("邮件和短信合为每天一封邮件。")),
        select("language", N_("语言"), _languages, required=True),
    ],
    edit_roles=EVERYONE,
    load=_mine,
    prepare=_body,
    submit=_save,
    home="home.index",
    after=lambda saved, values: url_for("notifier_preferences.edit"),
)


RESOURCES = [PREFERENCES]
