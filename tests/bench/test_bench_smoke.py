"""The month-end benchmark (``make bench``) on a tiny province, so that its code does not
rot: every step runs against the production processes (a province of 60 trainees, one
month of history, one scaling cell with two reporting consumers) and the table and
``docs/performance.md`` are written, the earlier run kept under "History"."""

from __future__ import annotations

import json
import shutil

import pytest

from bench import month_end
from tests.conftest import IN_CI

pytestmark = [pytest.mark.integration]


@pytest.mark.timeout(600)
def test_month_end_bench_runs_on_a_tiny_province(pg_admin_url, amqp_url, tmp_path, capsys):
    if shutil.which("wrk") is None:
        message = "wrk is not installed (make test and make bench install it)"
        if IN_CI:
            pytest.fail(message + " (CI=true: nothing is skipped)")
        pytest.skip(message)
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\n<!-- bench:runs -->\n## Latest run — earlier\n\nold table\n")
    raw = tmp_path / "results.json"
    argv = [
        "--quick",
        "--trainees",
        "60",
        "--months",
        "1",
        "--bare-count",
        "300",
        "--matrix-count",
        "20",
        "--cells",
        "2x2",
        "--docs",
        str(docs),
        "--json",
        str(raw),
    ]
    assert month_end.main(argv) == 0
    results = json.loads(raw.read_text())
    assert results["talks"]["s2xx"] == 60, results["talks"]
    assert results["forms"]["s2xx"] == 120, results["forms"]
    assert results["bare_before"]["s2xx"] == results["bare_after"]["s2xx"] == 300
    assert results["lag"]["reporting"]["events"] >= 60  # every talk reached reporting
    assert results["matrix"][0]["consumers"] == 2
    assert results["matrix"][0]["forms"]["s2xx"] == 20
    assert any(name.startswith("reporting-web worker") for name in results["memory_mb"])
    text = docs.read_text()
    assert "form submission (reporting)" in text and "DESIGN.md figure" in text
    assert "## History" in text and "### Run — earlier" in text and "old table" in text
