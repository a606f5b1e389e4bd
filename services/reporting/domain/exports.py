"""Exports (导出): CSV and XLSX of duty items, completion rates, rectification items,
dashboards, missing lists and assessments, with Chinese headers by default (``lang=en``
for English). No Flask here: each builder gives (headers, rows);
:func:`shared.tabular.csv_bytes` and :func:`shared.tabular.xlsx_bytes` write them.
"""

from __future__ import annotations

from services.reporting.domain.assessment import INDICATORS, NAMES
from shared.tabular import by_language

WORDS = by_language(
    {
        "party_kind": {
            "unit": ("单位", "unit"),
            "town": ("镇（街）", "town"),
            "village": ("村（社区）", "village"),
            "trainee": ("选调生", "trainee"),
        },
        "kind": {
            "effectiveness": ("基层锻炼工作成效表", "Effectiveness form"),
            "mentoring": ("导师制落实情况（谈心谈话）表", "Mentoring form"),
            "quarterly": ("季度报告", "Quarterly report"),
        },
        "state": {
            "on_time": ("按时", "on time"),
            "late": ("逾期提交", "late"),
            "returned": ("退回待改", "returned"),
            "missing": ("未提交", "missing"),
            "not_due": ("未到期", "not yet due"),
        },
        "rect": {
            "open": ("整改中", "open"),
            "overdue": ("逾期未整改", "overdue"),
            "closed": ("已整改", "closed"),
        },
        "visit_kind": {"research": ("调研", "research"), "inspection": ("督查", "inspection")},
        "yes": ("是", "yes"),
        "no": ("否", "no"),
        "none": ("无数据", "no data"),
    }
)

HEADERS = {
    "duty_items": by_language(
        [
            ("编号", "Id"),
            ("年度", "Year"),
            ("责任主体类型", "Party kind"),
            ("责任主体", "Party"),
            ("责任事项", "Title"),
            ("具体内容", "Description"),
            ("完成时限", "Due date"),
            ("完成进度（%）", "Progress (%)"),
            ("完成日期", "Completed on"),
        ]
    ),
    "completion": by_language(
        [
            ("责任主体类型", "Party kind"),
            ("责任主体", "Party"),
            ("事项数", "Items"),
            ("已完成", "Completed"),
            ("按期完成", "Completed on time"),
            ("平均进度（%）", "Average progress (%)"),
            ("完成率", "Rate"),
        ]
    ),
    "rectifications": by_language(
        [
            ("编号", "Id"),
            ("督导日期", "Visit date"),
            ("问题", "Finding"),
            ("整改要求", "Requirement"),
            ("责任主体类型", "Owner kind"),
            ("责任主体编号", "Owner id"),
            ("整改时限", "Due date"),
            ("状态", "State"),
            ("完成日期", "Closed on"),
            ("整改佐证", "Evidence"),
        ]
    ),
    "missing": by_language(
        [
            ("学员编号", "Trainee id"),
            ("姓名", "Name"),
            ("用人单位", "Unit"),
            ("镇（街）", "Town"),
            ("村（社区）", "Village"),
            ("报表", "Form"),
            ("期间", "Period"),
            ("截止日期", "Deadline"),
            ("状态", "State"),
            ("退回原因", "Reason returned"),
        ]
    ),
    "dashboard": by_language([("指标", "Figure"), ("数值", "Value")]),
    "assessment": by_language(
        [("排名", "Rank"), ("编号", "Id"), ("名称", "Name"), ("得分", "Score")]
    ),
}

DASHBOARD_LABELS = by_language(
    {
        "month": ("月份", "Month"),
        "owing": ("应报人数", "Trainees owing"),
        "on_time": ("按时报送人数", "Trainees on time"),
        "late": ("逾期报送人数", "Trainees late"),
        "returned": ("被退回人数", "Trainees returned"),
        "missing": ("未报送人数", "Trainees missing"),
        "not_due": ("未到报送期限人数", "Trainees with nothing due yet"),
        "timeliness_rate": ("按时报送率", "Reports on time"),
        "talk_trainees": ("应谈人数", "Trainees counted for talks"),
        "with_talk": ("已谈人数", "Trainees with a talk"),
        "talk_rate": ("一月一谈落实率", "One talk a month"),
        "covered": ("导师配齐人数", "Trainees fully mentored"),
        "coverage_rate": ("导师配备率", "Mentor coverage"),
        "visits": ("走访慰问次数", "Care visits"),
        "trainees_visited": ("走访慰问人数", "Trainees visited"),
        "fees_paid": ("安置费发放笔数", "Placement fees paid"),
        "fees_on_time": ("按时发放笔数", "Paid on time"),
        "needs_resolved": ("诉求解决件数", "Needs resolved"),
        "needs_on_time": ("按时解决件数", "Resolved on time"),
        "forms": (
            "{kind}：应报 {owed}，按时 {on_time}，逾期 {late}，退回 {returned}，未报 {missing}，"
            "未到期 {not_due}",
            "{kind}: owed {owed}, on time {on_time}, late {late}, returned {returned}, "
            "missing {missing}, not yet due {not_due}",
        ),
    }
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


REPORT_STATUS = by_language(
    {
        "draft": ("草稿", "draft"),
        "submitted": ("待审核", "awaiting review"),
        "returned": ("已退回", "returned"),
        "approved": ("已通过", "approved"),
    }
)
STEP = by_language(
    {
        "town": ("镇（街）审核", "town review"),
        "unit": ("单位审核", "unit review"),
        "city": ("组织部审核", "city review"),
        None: ("", ""),
    }
)
REPORT_HEADERS = by_language(
    [
        ("编号", "id"),
        ("学员编号", "trainee id"),
        ("姓名", "name"),
        ("单位", "unit"),
        ("镇（街）", "town"),
        ("期间", "period"),
        ("表格", "form"),
        ("状态", "status"),
        ("审核环节", "step"),
        ("是否逾期", "late"),
        ("提交时间", "submitted at"),
        ("退回原因", "returned reason"),
    ]
)


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
