"""Project-wide rules: services never import each other, and the committed OpenAPI
documents match the code."""

import subprocess
import sys
from pathlib import Path

from embedded import openapi
from embedded.system import EmbeddedSystem

ROOT = Path(__file__).resolve().parent.parent


def test_no_service_imports_another_and_shared_imports_no_service():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_each_committed_openapi_document_matches_the_code():
    for name in EmbeddedSystem(ROOT / "var").available():
        committed = (ROOT / "services" / name / "openapi.json").read_text()
        assert committed == openapi.render(openapi.spec_of(name)), (
            f"services/{name}/openapi.json is stale: run `make openapi`"
        )
