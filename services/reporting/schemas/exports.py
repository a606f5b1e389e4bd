"""The export sheets' words: each column's header and each value's label, in Chinese
(the default) and English (``lang=en``), as ``shared.tabular.by_language`` tables."""

from __future__ import annotations

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
