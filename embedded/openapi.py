"""``python -m embedded.openapi`` (``make openapi``): write each service's OpenAPI
document to ``services/<name>/openapi.json``, committed so that API changes show in review.
``--check`` exits non-zero when a committed file differs from the code."""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path

from embedded.system import EmbeddedSystem

ROOT = Path(__file__).resolve().parent.parent


def spec_of(name: str) -> dict:
    """The OpenAPI document the service's code produces."""
    with tempfile.TemporaryDirectory() as tmp:
        service = importlib.import_module(f"services.{name}.spec").SPEC
        config = service.config(DATABASE_URL=f"sqlite:///{tmp}/x.db", BROKER_URL="memory://")
        app = importlib.import_module(f"services.{name}.app").create_app(config)
        with app.test_client() as client:
            return client.get(f"/api/v1/{name}/openapi.json").get_json()


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in EmbeddedSystem(ROOT / "var").available():
        path = ROOT / "services" / name / "openapi.json"
        text = render(spec_of(name))
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run `make openapi`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
