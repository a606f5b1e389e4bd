"""Simplified Chinese by default, English switchable, through gettext catalogues.

The Chinese text is the message id (``_("登录")``); its English is in the catalogue
``translations/en/LC_MESSAGES/messages.po`` (``make translations`` adds the new texts; a test
checks each has its English). Counts take plural forms (``ngettext``). The APIs' codes
(roles, statuses, kinds) have their Chinese names in :mod:`services.console.codes` and their
English in the same catalogue under the code's kind as context (``label``). A text missing
from the catalogue shows in Chinese.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import current_app, session

from services.console.codes import CODES

LANGS = ("zh", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@functools.cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The language's catalogue, read once from its ``.po`` (compiled in memory, so that no
    generated ``.mo`` is kept beside it); Chinese, the ids' language, has none."""
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if lang == "zh" or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        messages = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled)


def current() -> str:
    """The language of this request: the session's choice, else the configured default
    (outside a request too)."""
    try:
        lang = session.get("lang")
    except RuntimeError:  # no request: the default
        lang = None
    if lang in LANGS:
        return lang
    try:
        default = current_app.extensions["console"].DEFAULT_LANG
    except (RuntimeError, KeyError):
        default = "zh"
    return default if default in LANGS else "zh"


def gettext(text: str, **values) -> str:
    out = catalogue(current()).gettext(text)
    return out.format(**values) if values else out


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """A counted text (``ngettext("{n} 笔补贴", "{n} 笔补贴", 12)``): "1 subsidy", "12
    subsidies" in English; ``n`` is given to the text as ``{n}``."""
    return catalogue(current()).ngettext(singular, plural, n).format(n=n, **values)


def label(kind: str, code) -> str:
    """The name of an API code (``label("status", "submitted")``), the code if unknown."""
    if code is None or code == "":
        return "—"
    name = CODES.get(kind, {}).get(str(code))
    if name is None:
        return str(code)
    return catalogue(current()).pgettext(kind, name)


def one_language(text) -> str:
    """A service's message for clerks (``中文 / English``) in this request's language; any
    other text as it is."""
    if not isinstance(text, str) or " / " not in text:
        return text
    zh, _, en = text.partition(" / ")
    return en if current() == "en" else zh


#: What the templates speak the reader's language with (besides the ``in_lang`` filter).
TEMPLATE_GLOBALS = {"_": gettext, "ngettext": ngettext, "label": label, "lang": current}


def N_(text: str) -> str:  # noqa: N802 - gettext's name for it
    """Marks a text for the catalogue where it is defined; ``_()`` translates it where shown."""
    return text
