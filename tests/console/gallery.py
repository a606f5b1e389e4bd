"""``python -m tests.console.gallery``: docs/console.md's list of every page, with its
picture, from the last walk (tests/console/test_walk.py's desktop pass, var/screenshots/walk/).

Each page is shown as the first role of :data:`ROLES` that reached it; its picture is copied
to docs/screenshots/pages/ and the table between the markers of docs/console.md rewritten."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from tests.console.conftest import SCREENSHOTS
from tests.console.test_walk import ROLES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "console.md"
PAGES = ROOT / "docs" / "screenshots" / "pages"
START, END = "<!-- pages:start -->", "<!-- pages:end -->"


def main() -> int:
    walked = SCREENSHOTS / "walk"
    seen: dict[str, list[str]] = {}
    paths: dict[str, str] = {}
    for role in ROLES:
        index = walked / f"{role}.json"
        for picture, path in json.loads(index.read_text()).items() if index.exists() else ():
            name = picture.split("--", 1)[1]
            seen.setdefault(name, []).append(role)
            paths[name] = path
    if not seen:
        print(f"no pictures in {walked}: run tests/console/test_walk.py first", file=sys.stderr)
        return 1
    shutil.rmtree(PAGES, ignore_errors=True)
    PAGES.mkdir(parents=True)
    rows = ["| page | roles that reach it | picture |", "|---|---|---|"]
    for name, roles in sorted(seen.items()):
        shutil.copy(walked / f"{roles[0]}--{name}", PAGES / name)
        path = paths[name]
        rows.append(f"| `{path}` | {', '.join(roles)} | [{roles[0]}](screenshots/pages/{name}) |")
    text = DOC.read_text(encoding="utf-8")
    table = "\n".join(rows)
    block = f"{START}\n{table}\n{END}"
    if START in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text += (
            "\n## Every page\n\nMade by `python -m tests.console.gallery` from the last walk"
            " of every page as every role (desktop, Chinese; `tests/console/test_walk.py`)."
            f"\n\n{block}\n"
        )
    DOC.write_text(text, encoding="utf-8")
    print(f"{len(seen)} pages -> {PAGES.relative_to(ROOT)}, {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
