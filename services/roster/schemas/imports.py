"""Roster's import sheets: the columns a clerk's trainee or people sheet may carry (the
headers people type, mapped to the fields), the templates to download and their notes; and
the import report (``shared.http``'s, with the import's kind)."""

from __future__ import annotations

from marshmallow import fields

from shared import normalize
from shared.http import ImportReportOut as SheetImportReport
from shared.tabular import EXAMPLE_ROW_NOTES


class ImportReportOut(SheetImportReport):
    kind = fields.String()


TRAINEE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "email",
    "education",
    "school",
    "major",
    "cohort",
    "unit_code",
    "village_code",
    "placement_start",
)


#: The headers, both imports alike, of the identity number, the phone and the e-mail.
_CONTACT_HEADERS = {
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "邮箱": "email",
    "电子邮箱": "email",
}


TRAINEE_HEADERS = {
    "姓名": "name",
    "性别": "gender",
    "出生日期": "birth_date",
    "出生年月日": "birth_date",
    **_CONTACT_HEADERS,
    "学历": "education",
    "毕业院校": "school",
    "专业": "major",
    "届别": "cohort",
    "年度": "cohort",
    "单位编码": "unit_code",
    "村编码": "village_code",
    "村（社区）编码": "village_code",
    "派驻日期": "placement_start",
    "到村日期": "placement_start",
    **{f: f for f in TRAINEE_FIELDS},
}


PERSON_FIELDS = (
    "name",
    "gender",
    "id_number",
    "phone",
    "email",
    "position_kind",
    "title",
    "unit_code",
    "town_code",
    "village_code",
)


PERSON_HEADERS = {
    "姓名": "name",
    "性别": "gender",
    **_CONTACT_HEADERS,
    "职务类别": "position_kind",
    "职务": "title",
    "单位编码": "unit_code",
    "镇编码": "town_code",
    "镇（街）编码": "town_code",
    "村编码": "village_code",
    "村（社区）编码": "village_code",
    **{f: f for f in PERSON_FIELDS},
}


POSITION_LABELS = {
    "领导班子成员": "unit_leadership",
    "中层干部": "unit_middle_cadre",
    "中层以上干部": "unit_middle_cadre",
    "党建副书记": "town_party_deputy",
    "镇党委副书记": "town_party_deputy",
    "村党组织书记": "village_party_secretary",
    "村书记": "village_party_secretary",
    "镇干部": "town_staff",
    "单位干部": "unit_staff",
}


_EXAMPLE_ID = "44010619990501002" + normalize.check_digit("44010619990501002")


#: The templates: (header, field, example value) of each column, in order.
TRAINEE_TEMPLATE = (
    ("姓名", "name", "张三"),
    ("性别", "gender", "男"),
    ("出生日期", "birth_date", "1999-05-01"),
    ("身份证号", "id_number", _EXAMPLE_ID),
    ("手机号", "phone", "13800138000"),
    ("邮箱", "email", "zhangsan@example.org"),
    ("学历", "education", "硕士研究生"),
    ("毕业院校", "school", "中山大学"),
    ("专业", "major", "公共管理"),
    ("届别", "cohort", 2026),
    ("单位编码", "unit_code", "U01"),
    ("村编码", "village_code", "V0101"),
    ("派驻日期", "placement_start", "2026-09-01"),
)


PERSON_TEMPLATE = (
    ("姓名", "name", "李四"),
    ("性别", "gender", "女"),
    ("身份证号", "id_number", "44010619800101003" + normalize.check_digit("44010619800101003")),
    ("手机号", "phone", "13900139000"),
    ("邮箱", "email", "lisi@example.org"),
    ("职务类别", "position_kind", "中层干部"),
    ("职务", "title", "科长"),
    ("单位编码", "unit_code", "U01"),
    ("镇编码", "town_code", ""),
    ("村编码", "village_code", ""),
)


TEMPLATE_NOTES = (
    *EXAMPLE_ROW_NOTES,
    "身份证号：18位，末位可以是 x 或 X；请保持该列为文本格式，否则 Excel 会丢失末几位。",
    "日期：1996-03-02、1996/3/2、1996.3.2、1996年3月2日 或 Excel 的日期单元格均可。",
    "手机号：中国大陆手机或固定电话，如 139 1234 5678、020-12345678。",
    "没有身份证号的行，以 姓名 + 出生日期 + 单位（干部：姓名 + 任职地点）识别是否重复。",
    "表头之上的标题行、合计行和说明行会被跳过并在结果中列出。",
)


PEOPLE_NOTES = (
    *TEMPLATE_NOTES[:5],
    "职务类别：领导班子成员、中层干部、党建副书记、村党组织书记、镇干部、单位干部；"
    "按类别填写 单位编码、镇编码 或 村编码 之一。",
    *TEMPLATE_NOTES[5:],
)
