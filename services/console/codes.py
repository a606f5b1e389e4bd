# ruff: noqa: E501  (one name a line reads better than wrapped strings)
"""The names of the APIs' codes (roles, statuses, kinds), in Chinese: ``label(kind, code)``
shows one in the page's language, its English from the catalogue under the context
``kind`` (``translations/en/LC_MESSAGES/messages.po``)."""

CODES: dict[str, dict[str, str]] = {
    "weekday": {
        "1": "星期一",
        "2": "星期二",
        "3": "星期三",
        "4": "星期四",
        "5": "星期五",
        "6": "星期六",
        "7": "星期日",
    },
    "day_kind": {
        "holiday": "放假",
        "workday": "调休上班",
    },
    "role": {
        "city": "市委组织部",
        "town": "镇（街道）",
        "unit": "派出单位",
        "mentor": "导师",
        "trainee": "选调生",
    },
    "mentor_role": {
        "integrity": "廉政导师",
        "business": "业务导师",
        "responsible": "责任导师",
        "practical": "实践导师",
    },
    "aspect": {
        "political": "政治引领",
        "practice": "实践指导",
        "conduct": "作风培养",
        "care": "生活关心",
    },
    "mode": {
        "in_person": "面谈",
        "phone": "电话",
        "video": "视频",
    },
    "trainee_status": {
        "active": "在岗",
        "completed": "期满",
        "withdrawn": "退出",
        "registered": "已登记",
    },
    "kind": {
        "effectiveness": "基层锻炼工作成效表",
        "mentoring": "导师制落实情况（谈心谈话）表",
        "quarterly": "季度报告",
    },
    "report_status": {
        "draft": "草稿",
        "submitted": "已提交",
        "returned": "已退回",
        "approved": "已审核",
        "owed": "待填报",
    },
    "missing_state": {
        "missing": "未提交",
        "draft": "草稿",
        "returned": "已退回",
        "late": "逾期提交",
        "submitted": "已提交",
        "approved": "已审核",
        "on_time": "按时",
        "not_due": "未到期",
    },
    "step": {
        "town": "镇街审核",
        "unit": "单位审核",
        "city": "市级审核",
    },
    "subsidy_status": {
        "generated": "待审核",
        "approved": "已审核",
        "paid": "已发放",
        "reversed": "已冲正",
        "reversal": "冲正",
        "void": "已作废",
    },
    "fee_status": {
        "due": "待发放",
        "unpaid": "待发放",
        "paid": "已发放",
        "overdue": "逾期",
    },
    "need_status": {
        "open": "待处理",
        "in_progress": "处理中",
        "resolved": "已解决",
        "closed": "已办结",
    },
    "need_category": {
        "housing": "住房",
        "work": "工作",
        "life": "生活",
        "health": "健康",
        "thoughts": "思想",
        "other": "其他",
    },
    "facility": {
        "canteen": "小食堂",
        "bathhouse": "小澡堂",
        "toilet": "小厕所",
        "library": "小书屋",
        "recreation_room": "小文体活动室",
    },
    "facility_state": {
        "none": "未建",
        "in_progress": "在建",
        "ready": "已建成",
    },
    "party_kind": {
        "town": "镇（街道）",
        "unit": "派出单位",
    },
    "assessment_status": {
        "draft": "草稿",
        "published": "已发布",
    },
    "ledger": {
        "subsidy": "到村补贴",
        "subsidy_reversal": "补贴冲正",
        "placement_fee": "一次性安置费",
    },
    "audit": {
        "submit": "提交",
        "return": "退回",
        "approve": "审核通过",
        "create": "创建",
        "update": "修改",
    },
    "need_action": {
        "raised": "提出",
        "assigned": "转办",
        "started": "开始办理",
        "resolved": "办结",
        "confirmed": "确认",
        "reopened": "重新办理",
    },
    "housing_source": {
        "new_build": "新建",
        "converted_idle_house": "闲置房改造",
    },
    "conversion_status": {
        "planned": "计划",
        "in_progress": "在建",
        "done": "完工",
    },
    "handler_role": {
        "city": "市委组织部",
        "town": "镇（街道）",
        "unit": "派出单位",
        "village": "村",
    },
    "bool": {
        "True": "是",
        "False": "否",
    },
    "position_kind": {
        "unit_leadership": "单位领导班子成员",
        "unit_middle_cadre": "单位中层以上干部",
        "town_party_deputy": "镇党委副书记（分管党建）",
        "village_party_secretary": "村党组织书记",
        "town_staff": "镇（街道）干部",
        "unit_staff": "单位干部",
    },
    "account_kind": {
        "user": "登录账号",
        "client": "系统对接凭据",
    },
    "account_active": {
        "True": "启用",
        "False": "停用",
    },
    "training_kind": {
        "training": "培训",
        "study_session": "集中学习",
        "discussion": "座谈交流",
        "heart_to_heart": "谈心交流会",
    },
    "showcase_status": {
        "nominated": "已推荐",
        "published": "已发布",
        "declined": "未采用",
    },
    "period_kind": {
        "month": "月度",
        "quarter": "季度",
    },
    "duty_party": {
        "town": "镇（街道）",
        "unit": "派出单位",
        "village": "村（社区）",
        "trainee": "选调生",
    },
    "visit_kind": {
        "research": "调研",
        "inspection": "督导检查",
    },
    "rect_state": {
        "open": "整改中",
        "overdue": "已逾期",
        "closed": "已销号",
    },
    "evaluation_kind": {
        "annual": "年度考核",
        "final": "期满鉴定",
    },
    "grade": {
        "excellent": "优秀",
        "competent": "称职",
        "basic": "基本称职",
        "incompetent": "不称职",
    },
    "evaluation_status": {
        "draft": "草稿",
        "submitted": "审核中",
        "returned": "已退回",
        "approved": "已审定",
    },
}
