"""The console's messages: :data:`EN` (Chinese text -> English) and :data:`CODES` (API codes
-> (Chinese, English))."""

CODES: dict[str, dict[str, tuple[str, str]]] = {
    "role": {
        "city": ("市委组织部", "City"),
        "town": ("镇（街道）", "Town"),
        "unit": ("派出单位", "Unit"),
        "mentor": ("导师", "Mentor"),
        "trainee": ("选调生", "Trainee"),
    },
    "mentor_role": {
        "integrity": ("廉政导师", "Integrity mentor"),
        "business": ("业务导师", "Business mentor"),
        "responsible": ("责任导师", "Responsible mentor"),
        "practical": ("实践导师", "Practical mentor"),
    },
    "aspect": {
        "political": ("政治引领", "Political guidance"),
        "practice": ("实践指导", "Practical guidance"),
        "conduct": ("作风培养", "Conduct"),
        "care": ("生活关心", "Care"),
    },
    "mode": {
        "in_person": ("面谈", "In person"),
        "phone": ("电话", "Phone"),
        "video": ("视频", "Video"),
    },
    "trainee_status": {
        "active": ("在岗", "Active"),
        "completed": ("期满", "Completed"),
        "withdrawn": ("退出", "Withdrawn"),
        "registered": ("已登记", "Registered"),
    },
    "kind": {
        "effectiveness": ("履职成效月报表", "Monthly effectiveness form"),
        "mentoring": ("导师帮带月报表", "Monthly mentoring form"),
        "quarterly": ("季度报告", "Quarterly report"),
    },
    "report_status": {
        "draft": ("草稿", "Draft"),
        "submitted": ("已提交", "Submitted"),
        "returned": ("已退回", "Returned"),
        "approved": ("已审核", "Approved"),
        "owed": ("待填报", "Owed"),
    },
    "missing_state": {
        "missing": ("未提交", "Missing"),
        "draft": ("草稿", "Draft"),
        "returned": ("已退回", "Returned"),
        "late": ("逾期提交", "Late"),
        "submitted": ("已提交", "Submitted"),
        "approved": ("已审核", "Approved"),
        "on_time": ("按时", "On time"),
    },
    "step": {
        "town": ("镇街审核", "Town review"),
        "unit": ("单位审核", "Unit review"),
        "city": ("市级审核", "City review"),
    },
    "subsidy_status": {
        "generated": ("待审核", "Generated"),
        "approved": ("已审核", "Approved"),
        "paid": ("已发放", "Paid"),
        "reversed": ("已冲正", "Reversed"),
        "reversal": ("冲正", "Reversal"),
    },
    "fee_status": {
        "due": ("待发放", "Due"),
        "unpaid": ("待发放", "Unpaid"),
        "paid": ("已发放", "Paid"),
        "overdue": ("逾期", "Overdue"),
    },
    "need_status": {
        "open": ("待处理", "Open"),
        "in_progress": ("处理中", "In progress"),
        "resolved": ("已解决", "Resolved"),
        "closed": ("已办结", "Closed"),
    },
    "need_category": {
        "housing": ("住房", "Housing"),
        "work": ("工作", "Work"),
        "life": ("生活", "Life"),
        "health": ("健康", "Health"),
        "thoughts": ("思想", "Thoughts"),
        "other": ("其他", "Other"),
    },
    "facility": {
        "canteen": ("小食堂", "Canteen"),
        "bathhouse": ("小澡堂", "Bathhouse"),
        "toilet": ("小厕所", "Toilet"),
        "library": ("小书屋", "Library"),
        "recreation_room": ("小文体活动室", "Recreation room"),
    },
    "facility_state": {
        "none": ("未建", "None"),
        "in_progress": ("在建", "In progress"),
        "ready": ("已建成", "Ready"),
    },
    "party_kind": {
        "town": ("镇（街道）", "Towns"),
        "unit": ("派出单位", "Units"),
    },
    "assessment_status": {
        "draft": ("草稿", "Draft"),
        "published": ("已发布", "Published"),
    },
    "ledger": {
        "subsidy": ("到村补贴", "Subsidy"),
        "subsidy_reversal": ("补贴冲正", "Subsidy reversal"),
        "placement_fee": ("一次性安置费", "Placement fee"),
    },
    "audit": {
        "submit": ("提交", "Submitted"),
        "return": ("退回", "Returned"),
        "approve": ("审核通过", "Approved"),
        "create": ("创建", "Created"),
        "update": ("修改", "Edited"),
    },
    "need_action": {
        "raised": ("提出", "Raised"),
        "assigned": ("转办", "Assigned"),
        "started": ("开始办理", "Started"),
        "resolved": ("办结", "Resolved"),
        "confirmed": ("确认", "Confirmed"),
        "reopened": ("重新办理", "Reopened"),
    },
    "bool": {"True": ("是", "Yes"), "False": ("否", "No")},
}

EN: dict[str, str] = {}
