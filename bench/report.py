"""The month-end benchmark's table, and ``docs/performance.md`` (newest run first, earlier
runs kept below under "History" so that a regression shows)."""

from __future__ import annotations

from pathlib import Path

MARK = "<!-- bench:runs -->"
HEADER = """# Performance

Written by `make bench` (`python -m bench.month_end`, see `bench/month_end.py` and
`bench/province.py`): a province built through the services' own paths, the month-end burst
against the production processes of the Procfile on this machine, and the baseline's bare
Flask + SQLAlchemy insert endpoint (`../shared/baseline/bench_app.py`, gunicorn `-w 2`) driven
by the same wrk script at the same concurrency in the same run. Targets: DESIGN.md,
"Figures to reach". Each run is added on top; earlier runs stay below.

"""


def _f(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def verdicts(r: dict) -> list[tuple[str, str, bool | None]]:
    """(figure, measured, met) for each DESIGN.md figure."""
    bare = r["bare"]
    out = []
    for key, label in (("forms", "form submission"), ("talks", "talk recording")):
        ours = r[key]
        ratio = ours["rps"] / bare["rps"] if bare["rps"] else 0
        each = ", ".join(
            f"{ours['rps'] / r[k]['rps']:.0%} of {k.split('_')[1]}"
            for k in ("bare_before", "bare_after")
            if r.get(k, {}).get("rps")
        )
        out.append(
            (
                f"{label} ≥ 60 % of the bare endpoint's req/s",
                f"{ratio:.0%} of the mean ({ours['rps']:.0f} vs {bare['rps']:.0f}; {each})",
                ratio >= 0.6,
            )
        )
        p99 = ours["p99_ms"] / bare["p99_ms"] if bare["p99_ms"] else 0
        each = ", ".join(
            f"{ours['p99_ms'] / r[k]['p99_ms']:.1f} × {k.split('_')[1]}"
            for k in ("bare_before", "bare_after")
            if r.get(k, {}).get("p99_ms")
        )
        out.append(
            (
                f"{label} p99 ≤ 3 × the bare endpoint's p99",
                f"{p99:.1f} × the mean ({ours['p99_ms']:.0f} vs {bare['p99_ms']:.0f} ms; {each})",
                p99 <= 3,
            )
        )
    for service in ("reporting", "notifier"):
        lag = r["lag"][service]
        ok = lag["p99_s"] is not None and lag["p99_s"] <= 5
        out.append(
            (
                f"event lag p99 ≤ 5 s to the {service} inbox",
                f"{_f(lag['p99_s'], 2)} s (n={lag['events']})",
                ok,
            )
        )
    busy, quiet = r["dashboard_busy"], r["dashboard_quiet"]
    out.append(
        (
            "city dashboard for a month p95 < 150 ms (24 months of data)",
            f"{_f(quiet['month_p95_ms'])} ms quiet, {_f(busy['month_p95_ms'])} ms during the burst"
            f" (at {r['sizes']['trainees']:,} trainees)",
            quiet["month_p95_ms"] is not None and quiet["month_p95_ms"] < 150,
        )
    )
    out.append(("each process's memory reported", f"{len(r['memory_mb'])} processes", True))
    return out


def table(r: dict) -> str:
    s = r["sizes"]
    bare = r["bare"]
    lines = [
        f"Month-end benchmark, {r['date']}: {r['machine']['cores']} cores, "
        f"{r['machine']['memory_gib']} GiB, {r['machine']['cpu']}; cpu_calib "
        f"{r['calib_before']} ms before, {r['calib_after']} ms after (lower = faster; 26-36 "
        f"normal); load average {r.get('load_before', '–')} before, {r.get('load_after', '–')} "
        "after (other work on the same 2 cores)",
        f"Command: `{r['command']}`; province {s['trainees']:,} trainees, {s['towns']} towns, "
        f"{s['villages']} villages, {s['units']} units, {s['months']} months of history; wrk "
        f"-t1 -c{r['conc']}; total {r['total_s']:.0f} s",
        "",
        "| path | requests | 2xx | req/s | p50 ms | p95 ms | p99 ms | req/s vs bare | "
        "p99 vs bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in (
        ("talks", "talk recording (mentorship)"),
        ("forms", "form submission (reporting)"),
        ("bare_before", "bare insert endpoint, before the burst"),
        ("bare_after", "bare insert endpoint, after the burst"),
        ("bare", "bare insert endpoint, mean (the reference)"),
    ):
        x = r[key]
        ratio = f"{x['rps'] / bare['rps']:.2f}" if bare["rps"] else "–"
        p99 = f"{x['p99_ms'] / bare['p99_ms']:.1f} ×" if bare["p99_ms"] else "–"
        lines.append(
            f"| {label} | {x['count']:,} | {x['s2xx']:,} | {x['rps']:,.0f} | "
            f"{x['p50_ms']:.1f} | {x['p95_ms']:.1f} | {x['p99_ms']:.1f} | {ratio} | "
            f"{p99} |"
        )
    lines += [
        "",
        "| event lag, commit → inbox | events | p50 s | p99 s | max s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for service, lag in r["lag"].items():
        lines.append(
            f"| {service} | {lag['events']:,} | {_f(lag['p50_s'], 3)} | "
            f"{_f(lag['p99_s'], 3)} | {_f(lag['max_s'], 3)} |"
        )
    lines.append(f"\nQueues drained {r['drain_after_burst_s']} s after the last request.")
    busy, quiet = r["dashboard_busy"], r["dashboard_quiet"]
    lines += [
        "",
        "| city dashboard | month p50 ms | month p95 ms | year (12 reads) p95 ms | reads |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| during the burst | {_f(busy['month_p50_ms'])} | {_f(busy['month_p95_ms'])} | "
        f"{_f(busy['year_p95_ms'])} | {busy['month_n']} + {busy['year_n']} years |",
        f"| quiet, after it | {_f(quiet['month_p50_ms'])} | {_f(quiet['month_p95_ms'])} | "
        f"{_f(quiet['year_p95_ms'])} | {quiet['month_n']} + {quiet['year_n']} years |",
        "",
        "| process | peak RSS MiB |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {mb:,.1f} |" for name, mb in r["memory_mb"].items()]
    if r["matrix"]:
        lines += [
            "",
            "Scaling reporting (the quarter's forms and the same number of talks at once, "
            f"wrk -c{max(1, r['conc'] // 2)} each):",
            "",
            "| reporting workers | consumers | forms req/s | forms p99 ms | talks req/s | "
            "talks p99 ms | lag p99 s reporting | lag p99 s notifier | drain s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for c in r["matrix"]:
            lines.append(
                f"| {c['workers']} | {c['consumers']} | {c['forms']['rps']:,.0f} | "
                f"{c['forms']['p99_ms']:.0f} | {c['talks']['rps']:,.0f} | "
                f"{c['talks']['p99_ms']:.0f} | {_f(c['lag']['reporting']['p99_s'], 2)} | "
                f"{_f(c['lag']['notifier']['p99_s'], 2)} | {c['drain_s']} |"
            )
    if r.get("cpu"):
        talks, forms = r["cpu"]["talks"], r["cpu"]["forms"]
        n_talks, n_forms = max(r["talks"]["count"], 1), max(r["forms"]["count"], 1)
        lines += [
            "",
            "Where the two cores went during the burst (CPU seconds of each process, and per "
            "request of the phase):",
            "",
            "| process | talks: CPU s | ms per talk | forms: CPU s | ms per form |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        names = sorted(set(talks) | set(forms), key=lambda k: -(talks.get(k, 0) + forms.get(k, 0)))
        for name in names:
            t, f = talks.get(name, 0.0), forms.get(name, 0.0)
            lines.append(
                f"| {name} | {t:.1f} | {1000 * t / n_talks:.2f} | {f:.1f} | "
                f"{1000 * f / n_forms:.2f} |"
            )
        t, f = sum(talks.values()), sum(forms.values())
        lines.append(
            f"| **all** | {t:.1f} | {1000 * t / n_talks:.2f} | {f:.1f} | {1000 * f / n_forms:.2f} |"
        )
    lines += ["", "| province step | path | seconds | detail |", "| --- | --- | ---: | --- |"]
    lines += [
        f"| {p['step']} | {p['path']} | {p['seconds']} | {p['detail']} |" for p in r["province"]
    ]
    lines += ["", "| DESIGN.md figure | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in verdicts(r)]
    if r.get("logs_with_errors"):
        lines.append(f"\nTracebacks in process logs: {r['logs_with_errors']}")
    return "\n".join(lines) + "\n"


def write_docs(path: Path, r: dict, text: str) -> None:
    """Put this run on top; keep every earlier one (under "History")."""
    old = path.read_text() if path.exists() else ""
    earlier = ""
    if MARK in old:
        earlier = old.split(MARK, 1)[1].replace("\n## History\n", "\n")
        earlier = earlier.replace("## Latest run", "### Run")
    notes = path.with_name("performance-notes.md")
    body = [HEADER]
    if notes.exists():
        body.append(notes.read_text().rstrip() + "\n\n")
    body += [MARK, f"\n## Latest run — {r['date']}\n\n", text, "\n## History\n\n", earlier.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(body).rstrip() + "\n")


def refresh_notes(path: Path) -> None:
    """Rewrite the part above the runs (header and ``performance-notes.md``), keeping the
    runs as they are: ``python -c 'from bench.report import *; refresh_notes(...)'``."""
    runs = path.read_text().split(MARK, 1)[1]
    notes = path.with_name("performance-notes.md")
    text = HEADER + (notes.read_text().rstrip() + "\n\n" if notes.exists() else "")
    path.write_text(text + MARK + runs)
