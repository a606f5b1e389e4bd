"""Data at the door (issue 18): identity numbers, names, phones and dates as people type
them are read into one stored form, or refused with a message that says what is wrong,
Chinese first. Normalising twice changes nothing; every valid identity number is
accepted in any of the forms people type it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import normalize
from shared.normalize import Invalid, check_digit

TODAY = dt.date(2026, 12, 15)
VALID = "44010619950501005X"


def full_width(text: str) -> str:
    """ASCII digits and letters as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


def refused(fn, value, **kw) -> list[str]:
    with pytest.raises(Invalid) as raised:
        fn(value, **kw)
    assert all(" / " in m for m in raised.value.messages), raised.value.messages
    return raised.value.messages


# -- identity numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        VALID,
        VALID.lower(),
        full_width(VALID),
        full_width(VALID.lower()),
        " 440106 19950501 005x ",
        "440106\u300019950501\u3000005X",
        "4401 0619 9505 0100 5X",
    ],
)
def test_an_identity_number_as_people_type_it_is_stored_canonical(typed):
    assert normalize.id_number(typed, today=TODAY) == VALID


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("440106199505010051", ["校验位错误 / wrong check digit"]),
        ("440106950501005", ["这是15位的旧身份证号"]),
        ("44010619950501005", ["身份证号应为18位"]),
        ("4401061995050100XX", ["身份证号应为17位数字"]),
        ("", ["请填写身份证号"]),
        ("990106199505010056", ["地区码 990106 不存在"]),
        ("440100199505010058", ["地区码 440100 不存在"]),  # a county part of 00
        ("440106199502300050", ["出生日期（第7–14位）不是真实的日期"]),
        ("440106202701010053", ["出生日期在将来"]),
        ("440106189912310057", ["出生日期早于1900年"]),
        (440106199505010050, ["身份证号被存成了数字"]),
    ],
)
def test_a_wrong_identity_number_is_refused_saying_what_is_wrong(typed, said):
    wrong_check_digit = said == ["校验位错误 / wrong check digit"]
    if isinstance(typed, str) and len(typed) == 18 and typed[:17].isdigit():
        if not wrong_check_digit:
            typed = typed[:17] + check_digit(typed[:17])  # only the named problem
    messages = refused(normalize.id_number, typed, today=TODAY)
    assert len(messages) == len(said)
    for message, start in zip(messages, said, strict=True):
        assert message.startswith(start), messages


def test_every_problem_of_an_identity_number_is_named_at_once():
    messages = refused(normalize.id_number, "990106202702300050", today=TODAY)
    assert [m.split(" / ")[1] for m in messages] == [
        "no such region code 990106",
        "the birth date (digits 7-14) is no date",
        "wrong check digit",
    ]


def test_the_issues_examples():
    assert normalize.id_number("44010619950501005x", today=TODAY) == VALID
    assert refused(normalize.id_number, "440106199505010051", today=TODAY) == [
        "校验位错误 / wrong check digit"
    ]
    assert normalize.id_number(full_width(VALID), today=TODAY) == VALID


REGIONS = st.sampled_from(sorted(normalize.PROVINCES)).flatmap(
    lambda p: st.tuples(st.just(p), st.integers(0, 99), st.integers(1, 99))
)


@st.composite
def identity_numbers(draw) -> tuple[str, str]:
    """(canonical, as typed): a random region from the list, a real birth date, a
    computed check digit; typed with a lower-case x, full-width, or spaced."""
    province, city, county = draw(REGIONS)
    birth = draw(st.dates(dt.date(1900, 1, 1), TODAY))
    body = f"{province:02d}{city:02d}{county:02d}{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    canonical = body + check_digit(body)
    typed = canonical
    if draw(st.booleans()):
        typed = typed.lower()
    if draw(st.booleans()):
        typed = full_width(typed)
    if draw(st.booleans()):
        cuts = sorted(draw(st.sets(st.integers(1, 17), max_size=4)))
        pieces = [typed[a:b] for a, b in zip([0, *cuts], [*cuts, 18], strict=True)]
        typed = draw(st.sampled_from([" ", "\u3000", "  "])).join(pieces)
    return canonical, typed


@settings(max_examples=60, deadline=None)
@given(identity_numbers())
def test_every_valid_identity_number_is_accepted_in_every_typed_form(case):
    canonical, typed = case
    assert normalize.id_number(typed, today=TODAY) == canonical
    assert normalize.id_number(canonical, today=TODAY) == canonical  # twice: the same
    assert normalize.looks_like_id_number(typed)


# -- names and text ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["张三", "张三 ", "张三\u3000", " 张三\t", "\u3000张三\u3000"])
def test_names_are_trimmed_so_four_spellings_are_one_person(typed):
    assert normalize.name(typed) == "张三"


@pytest.mark.parametrize("typed", ["\u3000", " ", "\t", ""])
def test_a_blank_name_is_refused(typed):
    assert refused(normalize.name, typed)[0].startswith("名称不能为空")


@pytest.mark.parametrize("typed", ["张\r\n三", "张\n三", "张\t三", "张\u2028三", "张\x07三"])
def test_control_characters_and_line_breaks_inside_a_name_are_refused(typed):
    assert "第 2 个字符" in refused(normalize.name, typed)[0]


def test_rare_characters_survive_and_compatibility_ideographs_are_kept_as_typed():
    assert normalize.name("李𠀾") == "李𠀾"  # CJK Extension B
    assert normalize.name("陈石𬌗") == "陈石𬌗"  # Extension E
    # U+F9F4 (林, compatibility) and U+2F8A6 (a supplement one) are not unified by NFKC.
    assert normalize.name("\uf9f4\U0002f8a6 ＡＢ") == "\uf9f4\U0002f8a6 AB"
    assert normalize.name("ＡＢ\uff11") == "AB1"


def test_multi_line_text_keeps_its_lines_and_refuses_other_controls():
    assert normalize.text("  第一行\r\n\t第二行  \n", multiline=True) == "第一行\n\t第二行"
    # Chinese prose keeps its punctuation; the digits and letters still become ASCII.
    prose = "政治坚定，作风扎实：全年驻村２８０天（优秀）！"
    assert normalize.text(prose, multiline=True) == "政治坚定，作风扎实：全年驻村280天（优秀）！"
    assert normalize.text("甲，乙") == "甲,乙"  # single-line text (names, titles) as before
    assert refused(normalize.text, "a\x0bb", multiline=True)[0].startswith("第 2 个字符是控制字符")


def test_tidy_never_refuses_old_text():
    assert normalize.tidy(" 张\r\n三\u3000") == "张 三"
    assert normalize.tidy("\u3000") == ""


NAMES = st.text(
    st.characters(
        categories=["Lo", "Lu", "Ll", "Nd", "Zs", "Pd"],
        include_characters="\uf9f4\U0002f8a6𠀾𬌗\u3000\uff21",
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=80, deadline=None)
@given(NAMES)
def test_normalising_a_name_twice_changes_nothing(typed):
    try:
        once = normalize.name(typed)
    except Invalid:
        return
    assert normalize.name(once) == once
    assert normalize.tidy(once) == once


# -- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 139 1234 5679", "+8613912345679"),
        ("139-1234-5678", "+8613912345678"),
        ("13912345678", "+8613912345678"),
        (13912345678, "+8613912345678"),
        (full_width("13912345678"), "+8613912345678"),
        ("\uff0b\uff18\uff16 139 1234 5678", "+8613912345678"),
        ("020-12345678", "+862012345678"),
        ("(0755) 8888 1234", "+8675588881234"),
        ("0086 139 1234 5678", "+8613912345678"),
    ],
)
def test_phones_are_stored_as_e164(typed, stored):
    assert normalize.phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["call me", "12345", "+1 202 555 0143", "139123456789", "10086", "1391234567a"]
)
def test_what_is_not_a_chinese_mobile_or_landline_is_refused(typed):
    assert refused(normalize.phone, typed)[0].startswith("不是中国大陆的手机或固定电话号码")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["13", "15", "17", "18", "19", "20", "755", "10"]),
    st.integers(10_000_000, 99_999_999),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_normalising_a_phone_twice_changes_nothing(prefix, number, separator, wide):
    typed = (
        f"{prefix}{str(number)[:1]}{separator}{str(number)[1:]}"
        if prefix.startswith("1") and len(prefix) == 2 and prefix != "10"
        else f"0{prefix}{separator}{number}"
    )
    if wide:
        typed = full_width(typed)
    try:
        once = normalize.phone(typed)
    except Invalid:
        return
    assert once.startswith("+86")
    assert normalize.phone(once) == once


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "1996-03-02",
        "1996/03/02",
        "1996.3.2",
        "1996年3月2日",
        "１９９６／３／２",
        "19960302",
        "1996-03-02 00:00:00",
        35126,  # Excel's serial number of 2 March 1996
        35126.75,  # ... at 18:00
        dt.datetime(1996, 3, 2, 9, 30),
        dt.date(1996, 3, 2),
    ],
)
def test_dates_as_clerks_type_them(typed):
    assert normalize.parse_date(typed) == dt.date(1996, 3, 2)


@pytest.mark.parametrize("typed", ["1996/3-2", "2/3/1996", "1996-02-30", "", None, 12, True])
def test_dates_not_understood_are_refused(typed):
    refused(normalize.parse_date, typed)


@pytest.mark.parametrize(
    "typed", ["2027-03", "2027-3", " 2027/3 ", "2027.03", "2027年3月", "２０２７年３月", "202703"]
)
def test_months_as_clerks_type_them(typed):
    assert normalize.parse_month(typed) == dt.date(2027, 3, 1)


@pytest.mark.parametrize(
    "typed", ["2027-13", "2027-00", "27-03", "2027", "2027年3月5日", "1999-12", "", None, 202703]
)
def test_months_not_understood_are_refused(typed):
    refused(normalize.parse_month, typed)
