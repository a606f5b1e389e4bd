"""Simplified Chinese by default, English switchable.

The Chinese text is the message id (``_("登录")``); :data:`EN` gives its English. A text
missing from :data:`EN` shows in Chinese (a test checks every template's texts are there).
:data:`CODES` names the APIs' codes (roles, statuses, kinds) in both languages.
"""

from __future__ import annotations

from flask import current_app, request, session

from services.console.messages import CODES, EN

LANGS = ("zh", "en")


def current() -> str:
    """The language of this request: the session's choice, else the configured default."""
    lang = session.get("lang")
    if lang in LANGS:
        return lang
    try:
        default = current_app.extensions["console"].DEFAULT_LANG
    except (RuntimeError, KeyError):
        default = "zh"
    return default if default in LANGS else "zh"


def gettext(text: str, **values) -> str:
    out = EN.get(text, text) if current() == "en" else text
    return out.format(**values) if values else out


def label(kind: str, code) -> str:
    """The name of an API code (``label("status", "submitted")``), the code if unknown."""
    if code is None or code == "":
        return "—"
    names = CODES.get(kind, {}).get(str(code))
    if names is None:
        return str(code)
    return names[1] if current() == "en" else names[0]


def one_language(text) -> str:
    """A service's message for clerks (``中文 / English``) in this request's language; any
    other text as it is."""
    if not isinstance(text, str) or " / " not in text:
        return text
    zh, _, en = text.partition(" / ")
    return en if current() == "en" else zh


def wants_lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in LANGS else None
