"""Data at the door: identity numbers, names and text, phone numbers and dates as people
type them, read once, here, into the one form the system stores. The API's fields
(``shared.fields``), the importers, search, the duplicate checks and roster's migration of
old rows all call these functions; nothing else reads such values its own way.

Every refusal is an :class:`Invalid` whose messages say what is wrong, Chinese first,
then English (``校验位错误 / wrong check digit``). Nothing here touches Flask or a database.

- **Text** is NFKC-normalised (full-width letters, digits and spaces become ASCII) and
  trimmed (full-width spaces too). NFKC would also replace a CJK Compatibility Ideograph
  (U+F900–U+FAFF, U+2F800–U+2FA1F) by its unified twin; a rare name may be written with
  the compatibility character on purpose (the variant on the person's identity card), so
  those characters are kept as typed and only the text around them is normalised; in
  multi-line text (prose) the full-width ``，：；！？（）`` of Chinese sentences are kept too. CJK
  Extension B and later characters (𠀾, 𬌗) have no decomposition and stay as they are.
  Single-line text refuses control characters (Cc), line and paragraph separators and
  lone surrogates; multi-line text allows ``\\n`` and ``\\t`` (``\\r\\n`` becomes ``\\n``).
- **Identity numbers** (GB 11643): NFKC, every space removed, ``x`` upper-cased; then 18
  characters, a province from the official list and a county part that is not ``00``, a
  real birth date from 1900 to today, and the ISO 7064 MOD 11-2 check digit. A 15-digit
  old number is refused with a message asking for the 18-digit one.
- **Phones**: a Chinese mobile or fixed-line number (``phonenumbers``, region CN), stored
  as E.164 (``+8613912345678``, ``+862012345678``).
- **Dates**: ``1996-03-02``, ``1996/3/2``, ``1996.3.2``, ``1996年3月2日``, ``19960302``,
  full-width digits, a time after the date, and from a spreadsheet a date or datetime
  cell or an Excel serial number (a date cell formatted as a number).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import phonenumbers

from shared.clock import DEFAULT_TIME_ZONE, city_today


def message(zh: str, en: str) -> str:
    """A message for clerks: Chinese first, then English."""
    return f"{zh} / {en}"


class Invalid(ValueError):
    """A value refused; ``messages`` says why (each ``中文 / English``)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


# -- text -------------------------------------------------------------------------------------

#: CJK Compatibility Ideographs, kept as typed (see the module's docstring).
_COMPATIBILITY = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")
#: What is trimmed from both ends: whitespace (full-width too) and invisible spaces.
_EDGES = re.compile(r"^[\s\u200b\u2060\ufeff]+|[\s\u200b\u2060\ufeff]+$")
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


#: Full-width punctuation of Chinese prose, kept in multi-line text: NFKC would turn ``，``
#: into ``,`` in the middle of a Chinese sentence (a form's account, an appraisal).
_PROSE = re.compile(
    "([\uf900-\ufaff\U0002f800-\U0002fa1f\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f]+)"
)


def nfkc(text: str, *, keep: re.Pattern = _COMPATIBILITY) -> str:
    """NFKC, except that CJK Compatibility Ideographs (and what ``keep`` matches) stay as
    they are."""
    parts = keep.split(text)
    return "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part)
        for index, part in enumerate(parts)
    )


def _bad_character(text: str, allowed: str = "") -> int | None:
    for index, char in enumerate(text):
        if char not in allowed and unicodedata.category(char) in _REFUSED_CATEGORIES:
            return index
    return None


def text(value: str, *, multiline: bool = False) -> str:
    """Text as stored: NFKC, trimmed; a control character (or, in single-line text, a
    line break) is :class:`Invalid`. May return ``""``."""
    result = nfkc(value, keep=_PROSE if multiline else _COMPATIBILITY)
    if multiline:
        result = result.replace("\r\n", "\n").replace("\r", "\n")
        result = result.strip("\n").strip()  # the ends only; inner lines keep their indent
    else:
        result = _EDGES.sub("", result)
    at = _bad_character(result, "\n\t" if multiline else "")
    if at is not None:
        what = (
            ("控制字符", "a control character")
            if multiline
            else (
                "控制字符或换行",
                "a control character or line break",
            )
        )
        raise Invalid(message(f"第 {at + 1} 个字符是{what[0]}", f"{what[1]} at position {at + 1}"))
    return result


def name(value: str) -> str:
    """A person's or a place's name: :func:`text`, and not blank."""
    result = text(value)
    if not result:
        raise Invalid(message("名称不能为空", "the name is blank"))
    return result


def tidy(value: str) -> str:
    """Text as :func:`text` would store it, never refused: control characters and line
    breaks become spaces (for rows already stored, and for search queries)."""
    result = nfkc(value)
    out, previous_refused = [], False
    for char in result:
        refused = unicodedata.category(char) in _REFUSED_CATEGORIES
        if not (refused and previous_refused):
            out.append(" " if refused else char)
        previous_refused = refused
    return _EDGES.sub("", "".join(out))


# -- identity numbers -------------------------------------------------------------------------

#: The provinces' two-digit codes (GB/T 2260): 11–15 north, 21–23 north-east, 31–37 east,
#: 41–46 south-central, 50–54 south-west, 61–65 north-west, 71 Taiwan, 81 Hong Kong, 82 Macao.
PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55)]
    + [*range(61, 66), 71, 81, 82]
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SPACES = re.compile(r"\s+")
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_form(value: str) -> str:
    """The canonical spelling, unchecked: NFKC, every space removed, ``x`` upper-cased (what
    search and the migration of old rows compare)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).upper()


def looks_like_id_number(value: str) -> bool:
    """Whether text (a search query) is shaped like an identity number, old or new."""
    form = id_number_form(value)
    return bool(_ID_SHAPE.match(form) or (len(form) == 15 and form.isdigit()))


def id_number(value, *, today: dt.date | None = None) -> str:
    """A resident identity number in its canonical form, or :class:`Invalid` naming every
    problem found (length, characters, region code, birth date, check digit)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise Invalid(
            message(
                "身份证号被存成了数字（末几位可能已丢失），请把该列设为文本后重新填写",
                "the identity number was stored as a number (its last digits may be lost); "
                "format the column as text and type it again",
            )
        )
    if not isinstance(value, str):
        raise Invalid(message("身份证号应为文本", "an identity number is text"))
    form = id_number_form(value)
    if not form:
        raise Invalid(message("请填写身份证号", "the identity number is blank"))
    if len(form) == 15 and form.isdigit():
        raise Invalid(
            message(
                "这是15位的旧身份证号，请填写18位身份证号",
                "this is a 15-digit old identity number: use the 18-digit one",
            )
        )
    if len(form) != 18:
        raise Invalid(
            message(
                f"身份证号应为18位，这里是{len(form)}位",
                f"an identity number has 18 characters, not {len(form)}",
            )
        )
    if not _ID_SHAPE.match(form):
        raise Invalid(
            message(
                "身份证号应为17位数字加一位数字或X",
                "an identity number is 17 digits and a digit or X",
            )
        )
    problems = []
    if int(form[:2]) not in PROVINCES or form[4:6] == "00":
        problems.append(message(f"地区码 {form[:6]} 不存在", f"no such region code {form[:6]}"))
    try:
        birth = dt.date(int(form[6:10]), int(form[10:12]), int(form[12:14]))
    except ValueError:
        problems.append(
            message("出生日期（第7–14位）不是真实的日期", "the birth date (digits 7-14) is no date")
        )
    else:
        if birth > (today or city_today(DEFAULT_TIME_ZONE)):
            problems.append(message("出生日期在将来", "the birth date is in the future"))
        elif birth < EARLIEST_BIRTH:
            problems.append(message("出生日期早于1900年", "the birth date is before 1900"))
    if check_digit(form[:17]) != form[17]:
        problems.append(message("校验位错误", "wrong check digit"))
    if problems:
        raise Invalid(*problems)
    return form


# -- phones -----------------------------------------------------------------------------------

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9()\- .]+$")
_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_NOT_A_PHONE = message(
    "不是中国大陆的手机或固定电话号码（如 139 1234 5678、020-12345678）",
    "not a Chinese mobile or landline number (e.g. 139 1234 5678, 020-12345678)",
)


def phone(value) -> str:
    """A Chinese mobile or fixed-line number as E.164 (``+8613912345678``), or
    :class:`Invalid`."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Invalid(message("电话号码应为文本", "a phone number is text"))
    typed = _SPACES.sub(" ", nfkc(value)).strip()
    if not typed:
        raise Invalid(message("请填写电话号码", "the phone number is blank"))
    # Letters are refused before the library, which would read them as a keypad's digits.
    if len(typed) > 32 or not _PHONE_CHARACTERS.match(typed):
        raise Invalid(_NOT_A_PHONE)
    try:
        number = phonenumbers.parse(typed, "CN")
    except phonenumbers.NumberParseException:
        raise Invalid(_NOT_A_PHONE) from None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "CN"
        or phonenumbers.number_type(number) not in _PHONE_TYPES
    ):
        raise Invalid(_NOT_A_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    """Whether text (a search query) is shaped like a phone number."""
    typed = nfkc(value).strip()
    return bool(_PHONE_CHARACTERS.match(typed)) and sum(c.isdigit() for c in typed) >= 7


# -- dates ------------------------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_SEPARATED = re.compile(rf"^(\d{{4}})\s*([-/.])\s*(\d{{1,2}})\s*\2\s*(\d{{1,2}}){_TIME}$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月|(\d{2}))$")
#: The first month a month field takes (none of the records is older).
FIRST_YEAR = 2000
#: Excel's day 0 (its serial numbers count from here; serial 60 is the 29 February 1900
#: that never was, so only serials from 61, 1 March 1900, are read).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = (61, 2_958_465)  # 1900-03-01 .. 9999-12-31


def parse_date(value) -> dt.date:
    """A date from what a clerk typed or a sheet holds: a date (or datetime) cell, an
    Excel serial number (a whole or fractional number of days), or text as
    ``2027-02-06``, ``2027/2/6``, ``2027.2.6``, ``2027年2月6日`` or ``20270206``, also
    in full-width characters (``２０２７／２／６``) and with a time after it. Anything else
    is :class:`Invalid` (a ``ValueError``) whose message names the problem."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e9:
        value = int(value)  # a datetime serial's fraction is the time of day
    if isinstance(value, int) and not isinstance(value, bool):
        if _COMPACT.match(str(value)):
            value = str(value)
        elif _EXCEL_SERIALS[0] <= value <= _EXCEL_SERIALS[1]:
            return _EXCEL_EPOCH + dt.timedelta(days=value)
        else:
            raise Invalid(message(f"无法识别的日期：{value}", f"not a date: {value}"))
    if not isinstance(value, str) or not value.strip():
        raise Invalid(message("请填写日期，如 2027-02-06", "a date is required, e.g. 2027-02-06"))
    shown = value.strip()[:40]
    typed = unicodedata.normalize("NFKC", value).strip()
    match = _SEPARATED.match(typed) or _CHINESE.match(typed) or _COMPACT.match(typed)
    if match is None:
        raise Invalid(
            message(
                f"无法识别的日期格式：{shown}（请写作 2027-02-06）",
                f"unknown date format: {shown} (write 2027-02-06)",
            )
        )
    parts = [g for g in match.groups() if g not in ("-", "/", ".")]
    year, month, day = (int(p) for p in parts)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Invalid(message(f"不存在的日期：{shown}", f"no such date: {shown}")) from None


def parse_month(value) -> dt.date:
    """The first day of a month as a clerk types it: ``2027-01``, ``2027-1``, ``2027/1``,
    ``2027.1``, ``2027年1月`` or ``202701``, also in full-width characters; from
    :data:`FIRST_YEAR`. Anything else is :class:`Invalid` naming the form to write."""
    typed = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    match = _MONTH.match(typed)
    month = next((int(g) for g in match.groups()[1:] if g), 0) if match else 0
    if not 1 <= month <= 12:
        shown = str(value).strip()[:40]
        raise Invalid(
            message(
                f"无法识别的月份：{shown}（请写作 2027-01）",
                f"not a month: {shown} (write 2027-01)",
            )
        )
    if int(match.group(1)) < FIRST_YEAR:
        raise Invalid(message(f"不能早于 {FIRST_YEAR} 年", f"before {FIRST_YEAR}"))
    return dt.date(int(match.group(1)), month, 1)
