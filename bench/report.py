"""The month-end benchmark's table, and ``docs/performance.md`` (newest run first, earlier
runs kept below under "History" so that a regression shows)."""

from __future__ import annotations

import contextlib
from pathlib import Path

MARK = "<!-- bench:runs -->"
HEADER = """# Performance

Written by `make bench` (`python -m bench.month_end`, see `bench/month_end.py` and
`bench/province.py`): a province built through the services' own paths, the month-end burst
against the production processes of the Procfile on this machine, and the baseline's bare
Flask + SQLAlchemy insert endpoint (`../shared/baseline/bench_app.py`, gunicorn `-w 2`) driven
by the same wrk script at the same concurrency in the same run. Targets: issue 22's, passed
or failed in the last table of each run (earlier runs: DESIGN.md's "Figures to reach").
Each run is added on top; earlier runs stay below.

"""


def _f(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


#: Issue 22's figures, in one run of ``make bench`` on this 2-core machine.
RPS_SHARE, P99_TIMES, DASHBOARD_P95_MS, LAG_P99_S = 0.6, 3.0, 150, 1.0
#: The whole stack's RSS before issue 22 (its text: "today's 2.26 GiB").
RSS_BEFORE_GIB = 2.26
#: The table of the whole stack's memory, and its row that docs/performance.md keeps.
RSS_HEADER = "| process | peak RSS MiB |"
RSS_TOTAL = "**whole stack, sum of the peaks**"


def targets(r: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each of issue 22's figures. Ours are judged against the
    bare endpoint with the stack's background processes stopped (the machine as the
    baseline had it; the mean of its runs), and compared with it running too."""
    idle, busy = r["bare_idle"], r["bare_busy"]
    out = []
    for key, label in (("forms", "form submission"), ("talks", "talk recording")):
        ours = r[key]
        share = ours["rps"] / idle["rps"] if idle["rps"] else 0
        out.append(
            (
                f"{label} ≥ {RPS_SHARE} of the bare endpoint's req/s",
                f"{share:.2f} ({ours['rps']:,.0f} vs {idle['rps']:,.0f} req/s idle; "
                f"{ours['rps'] / busy['rps']:.2f} of {busy['rps']:,.0f} busy)",
                share >= RPS_SHARE,
            )
        )
        times = ours["p99_ms"] / idle["p99_ms"] if idle["p99_ms"] else float("inf")
        out.append(
            (
                f"{label} p99 ≤ {P99_TIMES:.0f} × the bare p99 at c{r['conc']}",
                f"{times:.1f} × ({ours['p99_ms']:.0f} vs {idle['p99_ms']:.1f} ms idle; "
                f"{ours['p99_ms'] / busy['p99_ms']:.1f} × {busy['p99_ms']:.1f} ms busy)",
                times <= P99_TIMES,
            )
        )
    busy_dash = r["dashboard_busy"]["month_p95_ms"]
    out.append(
        (
            f"city dashboard, a month, p95 < {DASHBOARD_P95_MS} ms during the burst",
            f"{_f(busy_dash)} ms (n={r['dashboard_busy']['month_n']}; quiet after it "
            f"{_f(r['dashboard_quiet']['month_p95_ms'])} ms; {r['sizes']['months']} months of "
            f"{r['sizes']['trainees']:,} trainees)",
            busy_dash is not None and busy_dash < DASHBOARD_P95_MS,
        )
    )
    for service, lag in r["lag"].items():
        out.append(
            (
                f"event lag p99 < {LAG_P99_S:.0f} s, commit to {service}'s inbox committed",
                f"{_f(lag['p99_s'], 3)} s (n={lag['events']:,}, unseen {lag.get('unseen', 0)})",
                lag["p99_s"] is not None and lag["p99_s"] < LAG_P99_S and not lag.get("unseen"),
            )
        )
    total = r["memory_total"]
    gib = total["sum_of_peaks_mb"] / 1024
    out.append(
        (
            f"RSS of the whole stack < {RSS_BEFORE_GIB} GiB",
            f"{gib:.2f} GiB, sum of {total['processes']} processes' peaks "
            f"({total['peak_of_sum_mb'] / 1024:.2f} GiB at the highest moment)",
            gib < RSS_BEFORE_GIB,
        )
    )
    return out


def recorded_rss(path: Path) -> dict | None:
    """The whole stack's RSS in the latest run recorded in ``path`` (its total row, or the
    sum of its processes' rows for a run from before the total was written)."""
    if not path.exists() or MARK not in path.read_text():
        return None
    runs = path.read_text().split(MARK, 1)[1]
    latest = runs.split("\n## History", 1)[0]
    if RSS_HEADER not in latest:
        return None
    when = latest.split("\n", 2)[1].removeprefix("## Latest run — ").strip()
    rows = latest.split(RSS_HEADER, 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    values = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 2:
            with contextlib.suppress(ValueError):
                values[cells[0]] = float(cells[1].replace(",", ""))
    if RSS_TOTAL in values:
        mib = values[RSS_TOTAL]
        processes = len([k for k in values if not k.startswith("**")])
    else:
        mib, processes = sum(values.values()), len(values)
    return {"run": when, "mib": round(mib, 1), "processes": processes} if values else None


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
        "| path | requests | 2xx | req/s | p50 ms | p95 ms | p99 ms | req/s vs bare idle | "
        "p99 vs bare idle |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [
        (r["talks"], "talk recording (mentorship)"),
        (r["forms"], "form submission (reporting)"),
    ]
    rows += [
        (run, f"bare insert endpoint, {run['when']} the burst, background {run['background']}")
        for run in r["bare_runs"]
    ]
    rows += [
        (r["bare_idle"], "bare insert endpoint, background stopped: mean (the reference)"),
        (r["bare_busy"], "bare insert endpoint, background running: mean"),
    ]
    for x, label in rows:
        ratio = f"{x['rps'] / bare['rps']:.2f}" if bare["rps"] else "–"
        p99 = f"{x['p99_ms'] / bare['p99_ms']:.1f} ×" if bare["p99_ms"] else "–"
        lines.append(
            f"| {label} | {x['count']:,} | {x['s2xx']:,} | {x['rps']:,.0f} | "
            f"{x['p50_ms']:.1f} | {x['p95_ms']:.1f} | {x['p99_ms']:.1f} | {ratio} | "
            f"{p99} |"
        )
    fillers = sum(x.get("fillers", 0) for x, _ in rows[:2])
    bare_fillers = sum(run.get("fillers", 0) for run in r["bare_runs"])
    warm = r.get("warmup", {})
    lines += [
        "",
        f"Latency: every request timed by the wrk script from its send to its answer; the "
        f"fillers (health checks once a run's lines are all sent) left out: {fillers} in "
        f"ours, {bare_fillers} in the bare runs (wrk's own p99 with them: talks "
        f"{r['talks']['wrk_p99_ms']:.1f} ms, forms {r['forms']['wrk_p99_ms']:.1f} ms). "
        f"Warm-up, not timed, the same for both sides: the first {warm.get('talks')} talks, "
        f"{warm.get('forms')} forms, {warm.get('bare')} bare requests of each run, same wrk "
        f"script and concurrency. Background stopped: the stack's relays, consumers, "
        f"schedulers and workers SIGSTOPped during that bare run. Autovacuum: "
        f"{r.get('autovacuum', '–')}; ANALYZE after the bulk load.",
        "",
        "| event lag, commit → inbox row committed | events | p50 s | p99 s | max s | "
        "p99 s by processed_at (earlier runs) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for service, lag in r["lag"].items():
        lines.append(
            f"| {service} | {lag['events']:,} | {_f(lag['p50_s'], 3)} | "
            f"{_f(lag['p99_s'], 3)} | {_f(lag['max_s'], 3)} | "
            f"{_f(lag.get('p99_processed_s'), 3)} |"
        )
    poll = next(iter(r["lag"].values())).get("poll_s")
    lines.append(
        f"\nThe arrival is when the harness first sees the inbox row committed (polled every "
        f"{poll} s: a lag is overstated by up to one poll); the outbox row's `created_at` is "
        "taken in the request's transaction, a few ms before its commit."
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
        RSS_HEADER,
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {mb:,.1f} |" for name, mb in r["memory_mb"].items()]
    total = r["memory_total"]
    lines += [
        f"| {RSS_TOTAL} | {total['sum_of_peaks_mb']:,.1f} |",
        f"| **whole stack, peak at one moment** | {total['peak_of_sum_mb']:,.1f} |",
        "",
        f"Whole stack: {total['sum_of_peaks_mb'] / 1024:.2f} GiB ({total['processes']} "
        f"processes, each at its peak; {total['peak_of_sum_mb'] / 1024:.2f} GiB at the "
        f"highest moment); issue 22 gives {RSS_BEFORE_GIB} GiB before it.",
    ]
    before = r.get("rss_before")
    if before:
        change = total["sum_of_peaks_mb"] - before["mib"]
        lines[-1] += (
            f" The previous run recorded ({before['run']}): {before['mib'] / 1024:.2f} GiB "
            f"({before['processes']} processes): {change:+,.0f} MiB "
            f"({change / before['mib']:+.0%})."
        )
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
    lines += ["", "| target (issue 22) | measured | pass |", "| --- | --- | --- |"]
    lines += [
        f"| {name} | {value} | {'pass' if ok else 'FAIL'} |" for name, value, ok in targets(r)
    ]
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
