"""``make translations`` (``python -m services.console.catalogue``): bring the English
catalogue up to date with the console's texts.

Extracts every text of the templates (``_()``, ``ngettext()``) and of the Python (``_()``,
``ngettext()``, ``N_()``; a Chinese literal left unmarked is reported), and every code
name of :mod:`services.console.codes` (context: the code's kind); adds the new ones to
``translations/en/LC_MESSAGES/messages.po`` with an empty English for a person to fill in,
and drops those no longer used. ``--check`` changes nothing and exits 1 if a text has no
English (the console's tests run the same check).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from services.console.codes import CODES

CONSOLE = Path(__file__).resolve().parent
PO = CONSOLE / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
_CJK = re.compile(r"[\u3400-\u9fff]")
_LAYOUT = (tokenize.NL, tokenize.COMMENT, tokenize.DEDENT)


def texts() -> Catalog:
    """Every text the console shows, as a template catalogue (no translations)."""
    template = Catalog(project="Grassroots console", version="1", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        CONSOLE, METHODS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        if filename.startswith("translations"):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for kind, codes in CODES.items():
        for name in codes.values():
            template.add(name, None, [("codes.py", 0)], context=kind)
    return template


def bare_texts() -> list[str]:
    """Chinese string literals of the console's Python that no ``_()``, ``N_()`` or
    ``ngettext()`` marks (docstrings and :mod:`~services.console.codes` aside): texts the
    catalogue would never see, shown in Chinese to an English reader."""
    out = []
    for path in sorted(CONSOLE.rglob("*.py")):
        if path.name in ("codes.py", "catalogue.py"):
            continue
        source = path.read_text(encoding="utf-8")
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in _LAYOUT
        ]
        for i, token in enumerate(tokens):
            if token.type != tokenize.STRING or not _CJK.search(token.string):
                continue
            before = [t.string for t in tokens[max(0, i - 4) : i]]
            if before[-2:] in ([k, "("] for k in KEYWORDS):
                continue
            if before[-4:-2] == ["ngettext", "("] and before[-1] == ",":
                continue  # the plural of ngettext("…", "…", n)
            if i == 0 or tokens[i - 1].type in (tokenize.NEWLINE, tokenize.INDENT):
                continue  # a docstring
            where = path.relative_to(CONSOLE)
            out.append(f"{where}:{token.start[0]}: {token.string[:40]}")
    return out


def untranslated(catalogue: Catalog, template: Catalog) -> list[str]:
    """The texts of ``template`` with no English in ``catalogue``."""
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id, message.context)
        strings = found.string if found else None
        if isinstance(strings, tuple):
            missing = not all(strings)
        else:
            missing = not strings
        if missing:
            out.append(f"{message.context + ': ' if message.context else ''}{message.id!r}")
    return out


def read(path: Path = PO) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale="en")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a text lacks its English"
    )
    args = parser.parse_args(argv)
    template = texts()
    catalogue = read()
    if not args.check:
        created = catalogue.creation_date
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.creation_date = created  # (sorted, no line numbers: a diff shows only texts)
        with PO.open("wb") as po:
            write_po(
                po, catalogue, width=100, sort_output=True, no_location=True, ignore_obsolete=True
            )
    missing = untranslated(catalogue, template)
    for line in missing:
        print(f"no English: {line}")
    for line in bare_texts():
        print(f"not marked for the catalogue (wrap it in N_() or _()): {line}")
        missing.append(line)
    where = PO.relative_to(CONSOLE.parents[1])
    print(f"{len(template)} texts, {len(missing)} without English ({where})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
