"""The services' field messages for clerks, from gettext catalogues.

Marshmallow and the services write a field's problem in short technical English
(``"Missing data for required field."``, ``"not found"``). Every problem+json answer
(:func:`shared.http.problem_response`) and every import's row report puts each such message
as ``中文 / English`` (:func:`shared.normalize.message`), the form the services' own
messages already have: the Chinese from ``translations/zh/LC_MESSAGES/messages.po``, the
English a clerk reads from ``translations/en/…`` (both keyed by the technical English). A
message with values (``"Longer than maximum length {max}."``) is found by its pattern, its
values put into both languages, and a count takes the language's plural form. A message
the catalogues do not know, or one already in both languages, is left as it is.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@functools.cache
def catalogue(lang: str) -> tuple[gettext.NullTranslations, dict]:
    """The language's translations (compiled in memory from its ``.po``) and its messages
    by id, read once."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        messages = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    by_id = {m.id if isinstance(m.id, str) else m.id[0]: m for m in messages if m.id}
    return Translations(compiled), by_id


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str, bool]]:
    """Each message with values as a pattern matching its filled-in form."""
    out = []
    for msgid, message in catalogue("zh")[1].items():
        if "{" in msgid:
            parts = _PLACEHOLDER.split(msgid)
            regex = "".join(
                f"(?P<{part}>.+?)" if index % 2 else re.escape(part)
                for index, part in enumerate(parts)
            )
            out.append((re.compile(f"^{regex}$"), msgid, message.pluralizable))
    return out


def _in(lang: str, msgid: str, plural: bool, values: dict) -> str:
    translations, _ = catalogue(lang)
    if plural:
        n = next((int(v) for v in values.values() if str(v).lstrip("-").isdigit()), 1)
        text = translations.ngettext(msgid, msgid, n)
    else:
        text = translations.gettext(msgid)
    return text.format(**values)


def clerk_text(text: str) -> str:
    """One message as ``中文 / English``; a message not in the catalogues, or already in
    both languages, as it is."""
    if not isinstance(text, str) or " / " in text:
        return text
    known = catalogue("zh")[1].get(text)
    if known is not None and "{" not in text:
        found, values, plural = text, {}, known.pluralizable
    else:
        for pattern, msgid, pluralizable in _patterns():
            match = pattern.match(text)
            if match:
                found, values, plural = msgid, match.groupdict(), pluralizable
                break
        else:
            return text
    zh = _in("zh", found, plural, values)
    if zh == found:  # no Chinese for it
        return text
    return f"{zh} / {_in('en', found, plural, values)}"


def clerk_messages(errors):
    """Field errors (marshmallow's shape: dicts of lists) with every message put by
    :func:`clerk_text`."""
    if isinstance(errors, dict):
        return {key: clerk_messages(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [clerk_messages(value) for value in errors]
    return clerk_text(errors)
