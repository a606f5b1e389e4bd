"""Exports (导出): CSV and XLSX of duty items, completion rates, rectification items,
dashboards, missing lists and assessments, with Chinese headers by default (``lang=en``
for English). No Flask here: each builder gives (headers, rows);
:func:`shared.tabular.csv_bytes` and :func:`shared.tabular.xlsx_bytes` write them.
"""

from __future__ import annotations

from services.reporting.domain.assessment import INDICATORS, NAMES
from services.reporting.schemas.exports import (
    DASHBOARD_LABELS,
    HEADERS,
    REPORT_HEADERS,
    REPORT_STATUS,
    STEP,
    WORDS,
)


def _percent(value) -> str:
    """A share (Decimal or its text) as a percentage with one decimal, '' for none."""
    if value is None:
        return ""
    return f"{float(value) * 100:.1f}%"


def duty_items_table(items, names: dict, lang: str = "zh") -> tuple[list, list]:
    """Duty items."""
    words = WORDS[lang]
    return HEADERS["duty_items"][lang], [
        [
            item.id,
            item.year,
            words["party_kind"][item.party_kind],
            names.get((item.party_kind, item.party_id), str(item.party_id)),
            item.title,
            item.description,
            item.due_date.isoformat(),
            item.percent,
            item.completed_on.isoformat() if item.completed_on else "",
        ]
        for item in items
    ]


def completion_table(rows, lang: str = "zh") -> tuple[list, list]:
    """Completion per party."""
    words = WORDS[lang]
    return HEADERS["completion"][lang], [
        [
            words["party_kind"][row.party_kind],
            row.party_name or str(row.party_id),
            row.items,
            row.completed,
            row.completed_on_time,
            str(row.average_percent),
            _percent(row.rate),
        ]
        for row in rows
    ]


def rectifications_table(items, on, state, lang: str = "zh") -> tuple[list, list]:
    """Rectification items with their state on day ``on``."""
    words = WORDS[lang]
    return HEADERS["rectifications"][lang], [
        [
            item.id,
            item.visit.visit_date.isoformat(),
            item.finding,
            item.requirement,
            words["party_kind"][item.owner_kind],
            item.owner_id,
            item.due_date.isoformat(),
            words["rect"][state(item, on)],
            item.closed_on.isoformat() if item.closed_on else "",
            item.evidence,
        ]
        for item in items
    ]


def missing_table(rows, lang: str = "zh") -> tuple[list, list]:
    """Who is missing what (rows of ``dashboard.missing_query``)."""
    words = WORDS[lang]
    return HEADERS["missing"][lang], [
        [
            row.trainee_id,
            row.trainee_name,
            row.unit_name or "",
            row.town_name or "",
            row.village_name or "",
            words["kind"][row.kind],
            row.period,
            row.deadline.isoformat(),
            words["state"][row.state],
            row.returned_reason or "",
        ]
        for row in rows
    ]


def dashboard_table(data: dict, lang: str = "zh") -> tuple[list, list]:
    """A dashboard (its ``as_dict``) as figure / value rows."""
    labels, words = DASHBOARD_LABELS[lang], WORDS[lang]
    trainees, talks, coverage, care = (
        data["trainees"],
        data["talks"],
        data["coverage"],
        data["care"],
    )
    rows = [
        [labels["month"], data["month"]],
        *(
            [labels[name], trainees[name]]
            for name in ("owing", "on_time", "late", "returned", "missing", "not_due")
        ),
        [
            labels["timeliness_rate"],
            # nothing due yet is not 0 %: the cell says so
            _percent(data["timeliness"]["rate"])
            or (words["state"]["not_due"] if data["timeliness"]["not_due"] else ""),
        ],
        [labels["talk_trainees"], talks["trainees"]],
        [labels["with_talk"], talks["with_talk"]],
        [labels["talk_rate"], _percent(talks["rate"])],
        [labels["covered"], coverage["covered"]],
        [labels["coverage_rate"], _percent(coverage["rate"])],
        *(
            [labels[name], care[name]]
            for name in (
                "visits",
                "trainees_visited",
                "fees_paid",
                "fees_on_time",
                "needs_resolved",
                "needs_on_time",
            )
        ),
    ]
    for kind, counts in data["forms"].items():
        rows.append(
            [words["kind"][kind], labels["forms"].format(kind=words["kind"][kind], **counts)]
        )
    return HEADERS["dashboard"][lang], rows


def assessment_tables(assessment, scores, lang: str = "zh") -> list[tuple[str, list, list]]:
    """The ranking sheet and the explanation sheet (one row per party and indicator)."""
    names = NAMES[lang]
    ranking = (
        "排名" if lang == "zh" else "Ranking",
        HEADERS["assessment"][lang] + [names[name] for name in INDICATORS],
        [
            [
                score.rank,
                score.party_id,
                score.party_name,
                str(score.score),
                *(
                    _percent(row["value"]) if row["value"] is not None else WORDS[lang]["none"]
                    for row in score.indicators
                ),
            ]
            for score in scores
        ],
    )
    explain_headers = (
        ["编号", "名称", "指标", "分子", "分母", "数值", "权重", "得分", "扣分"]
        if lang == "zh"
        else [
            "Id",
            "Name",
            "Indicator",
            "Numerator",
            "Denominator",
            "Value",
            "Weight",
            "Points",
            "Lost",
        ]
    )
    explanation = (
        "得分说明" if lang == "zh" else "Explanation",
        explain_headers,
        [
            [
                score.party_id,
                score.party_name,
                names[row["indicator"]],
                row["numerator"],
                row["denominator"],
                row["value"] if row["value"] is not None else WORDS[lang]["none"],
                row["weight"],
                row["points"],
                row["lost"],
            ]
            for score in scores
            for row in score.indicators
        ],
    )
    return [ranking, explanation]


def reports_table(rows, time_zone: str, lang: str = "zh") -> tuple[list, list]:
    """A report list: rows of (report, trainee name, unit name, town name); times in the
    city's time zone."""
    from zoneinfo import ZoneInfo

    words, zone = WORDS[lang], ZoneInfo(time_zone)
    return REPORT_HEADERS[lang], [
        [
            report.id,
            report.trainee_id,
            name,
            unit or "",
            town or "",
            report.period.code,
            words["kind"][report.kind],
            REPORT_STATUS[lang].get(report.status, report.status),
            STEP[lang].get(report.step, report.step or ""),
            words["yes"] if report.late else words["no"],
            report.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if report.submitted_at
            else "",
            report.returned_reason or "",
        ]
        for report, name, unit, town in rows
    ]
