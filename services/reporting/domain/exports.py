"""Exports (导出): CSV and XLSX of duty items, completion rates, rectification items,
dashboards, missing lists and assessments, with Chinese headers by default (``lang=en``
for English). No Flask here: each builder gives (headers, rows); :func:`csv_bytes` and
:func:`xlsx_bytes` write them.

CSV is UTF-8 with a byte-order mark, so that Excel on Chinese Windows reads the headers.
XLSX is written in openpyxl's write-only mode (rows streamed, not kept as cell objects).
"""

from __future__ import annotations

import csv
import io

from services.reporting.domain.assessment import INDICATORS, NAMES
from shared.tabular import safe_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS = {
    "zh": {
        "party_kind": {
            "unit": "单位",
            "town": "镇（街）",
            "village": "村（社区）",
            "trainee": "选调生",
        },
        "kind": {
            "effectiveness": "基层锻炼工作成效表",
            "mentoring": "导师制落实情况（谈心谈话）表",
            "quarterly": "季度报告",
        },
        "state": {
            "on_time": "按时",
            "late": "逾期提交",
            "returned": "退回待改",
            "missing": "未提交",
            "not_due": "未到期",
        },
        "rect": {"open": "整改中", "overdue": "逾期未整改", "closed": "已整改"},
        "visit_kind": {"research": "调研", "inspection": "督查"},
        "yes": "是",
        "no": "否",
        "none": "无数据",
    },
    "en": {
        "party_kind": {"unit": "unit", "town": "town", "village": "village", "trainee": "trainee"},
        "kind": {
            "effectiveness": "Effectiveness form",
            "mentoring": "Mentoring form",
            "quarterly": "Quarterly report",
        },
        "state": {
            "on_time": "on time",
            "late": "late",
            "returned": "returned",
            "missing": "missing",
            "not_due": "not yet due",
        },
        "rect": {"open": "open", "overdue": "overdue", "closed": "closed"},
        "visit_kind": {"research": "research", "inspection": "inspection"},
        "yes": "yes",
        "no": "no",
        "none": "no data",
    },
}

HEADERS = {
    "duty_items": {
        "zh": [
            "编号",
            "年度",
            "责任主体类型",
            "责任主体",
            "责任事项",
            "具体内容",
            "完成时限",
            "完成进度（%）",
            "完成日期",
        ],
        "en": [
            "Id",
            "Year",
            "Party kind",
            "Party",
            "Title",
            "Description",
            "Due date",
            "Progress (%)",
            "Completed on",
        ],
    },
    "completion": {
        "zh": [
            "责任主体类型",
            "责任主体",
            "事项数",
            "已完成",
            "按期完成",
            "平均进度（%）",
            "完成率",
        ],
        "en": [
            "Party kind",
            "Party",
            "Items",
            "Completed",
            "Completed on time",
            "Average progress (%)",
            "Rate",
        ],
    },
    "rectifications": {
        "zh": [
            "编号",
            "督导日期",
            "问题",
            "整改要求",
            "责任主体类型",
            "责任主体编号",
            "整改时限",
            "状态",
            "完成日期",
            "整改佐证",
        ],
        "en": [
            "Id",
            "Visit date",
            "Finding",
            "Requirement",
            "Owner kind",
            "Owner id",
            "Due date",
            "State",
            "Closed on",
            "Evidence",
        ],
    },
    "missing": {
        "zh": [
            "学员编号",
            "姓名",
            "用人单位",
            "镇（街）",
            "村（社区）",
            "报表",
            "期间",
            "截止日期",
            "状态",
            "退回原因",
        ],
        "en": [
            "Trainee id",
            "Name",
            "Unit",
            "Town",
            "Village",
            "Form",
            "Period",
            "Deadline",
            "State",
            "Reason returned",
        ],
    },
    "dashboard": {
        "zh": ["指标", "数值"],
        "en": ["Figure", "Value"],
    },
    "assessment": {
        "zh": ["排名", "编号", "名称", "得分"],
        "en": ["Rank", "Id", "Name", "Score"],
    },
}

DASHBOARD_LABELS = {
    "zh": {
        "month": "月份",
        "owing": "应报人数",
        "on_time": "按时报送人数",
        "late": "逾期报送人数",
        "returned": "被退回人数",
        "missing": "未报送人数",
        "not_due": "未到报送期限人数",
        "timeliness_rate": "按时报送率",
        "talk_trainees": "应谈人数",
        "with_talk": "已谈人数",
        "talk_rate": "一月一谈落实率",
        "covered": "导师配齐人数",
        "coverage_rate": "导师配备率",
        "visits": "走访慰问次数",
        "trainees_visited": "走访慰问人数",
        "fees_paid": "安置费发放笔数",
        "fees_on_time": "按时发放笔数",
        "needs_resolved": "诉求解决件数",
        "needs_on_time": "按时解决件数",
        "forms": (
            "{kind}：应报 {owed}，按时 {on_time}，逾期 {late}，退回 {returned}，未报 {missing}，"
            "未到期 {not_due}"
        ),
    },
    "en": {
        "month": "Month",
        "owing": "Trainees owing",
        "on_time": "Trainees on time",
        "late": "Trainees late",
        "returned": "Trainees returned",
        "missing": "Trainees missing",
        "not_due": "Trainees with nothing due yet",
        "timeliness_rate": "Reports on time",
        "talk_trainees": "Trainees counted for talks",
        "with_talk": "Trainees with a talk",
        "talk_rate": "One talk a month",
        "covered": "Trainees fully mentored",
        "coverage_rate": "Mentor coverage",
        "visits": "Care visits",
        "trainees_visited": "Trainees visited",
        "fees_paid": "Placement fees paid",
        "fees_on_time": "Paid on time",
        "needs_resolved": "Needs resolved",
        "needs_on_time": "Resolved on time",
        "forms": (
            "{kind}: owed {owed}, on time {on_time}, late {late}, returned {returned}, "
            "missing {missing}, not yet due {not_due}"
        ),
    },
}


def _percent(value) -> str:
    """A share (Decimal or its text) as a percentage with one decimal, '' for none."""
    if value is None:
        return ""
    return f"{float(value) * 100:.1f}%"


def csv_bytes(headers: list, rows: list[list]) -> bytes:
    """UTF-8 CSV with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    """A workbook of (sheet title, headers, rows) sheets."""
    from openpyxl import Workbook  # on a download only (shared.tabular says why)

    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(safe_row(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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


REPORT_STATUS = {
    "zh": {"draft": "草稿", "submitted": "待审核", "returned": "已退回", "approved": "已通过"},
    "en": {
        "draft": "draft",
        "submitted": "awaiting review",
        "returned": "returned",
        "approved": "approved",
    },
}
STEP = {
    "zh": {"town": "镇（街）审核", "unit": "单位审核", "city": "组织部审核", None: ""},
    "en": {"town": "town review", "unit": "unit review", "city": "city review", None: ""},
}
REPORT_HEADERS = {
    "zh": [
        "编号",
        "学员编号",
        "姓名",
        "单位",
        "镇（街）",
        "期间",
        "表格",
        "状态",
        "审核环节",
        "是否逾期",
        "提交时间",
        "退回原因",
    ],
    "en": [
        "id",
        "trainee id",
        "name",
        "unit",
        "town",
        "period",
        "form",
        "status",
        "step",
        "late",
        "submitted at",
        "returned reason",
    ],
}


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
