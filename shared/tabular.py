"""Reading the spreadsheets clerks upload, and writing the templates they fill in.

A sheet is XLSX (the first worksheet) or CSV in UTF-8, with or without BOM, or GB18030
(what Excel writes on Chinese Windows). Clerks' sheets are not tables: :func:`read_sheet`

- finds the header row among the first rows (the one naming most of the import's
  columns, Chinese or English, full-width or not, with or without a ``*`` mark), so that
  title rows, blank rows and two-level headers above it do not matter;
- fills a cell merged down over several rows into each of them (a unit's code merged
  over its trainees), in the merged range's first column;
- skips blank rows silently, and reports by number and reason the title rows above the
  header, a 合计/总计/小计 row, a note (注：…, 填表说明…), the header repeated, and the
  template's own example row left in;
- keeps the limits, answering with the limit in the message: more rows than allowed is a
  413 (:class:`TooManyRows`), a cell longer than ``max_cell`` characters an error of its
  row (:attr:`Sheet.cell_errors`, reported with every other error), and a CSV field too
  long for the CSV reader a 422 naming its row (:class:`CellTooLong`).

Rows come back keyed by field name (the import's columns), with their row number in the
file, so that an import can report errors the way a clerk finds them. Any file that is not
what it claims to be is an :class:`UnreadableFile` (400). Exports are written by
:func:`csv_bytes` and :func:`xlsx_bytes` (every cell through :func:`safe_row`), their
labels kept in both languages with :func:`by_language`; :func:`template` writes an
import's template.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shared.errors import DomainError
from shared.normalize import message, nfkc

#: What a spreadsheet takes for the start of a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The longest cell an import reads, unless it says otherwise.
MAX_CELL = 4000
#: The header is looked for among this many non-blank rows at the top.
HEADER_SEARCH = 20
#: Rows an import skips besides its data (titles, totals, notes) count against this many
#: more than its row limit before the file is refused as too long.
SKIPPED_ALLOWANCE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOTALS = ("合计", "总计", "小计", "共计", "total", "subtotal", "sum")
_NOTES = ("注:", "注：", "备注:", "备注：", "说明", "填表说明", "note")


#: The control characters an XLSX cell cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``).
#: openpyxl itself (with lxml and PIL, ~14 MiB a process) is imported by the functions
#: that read or write a workbook: most web workers and every background process never do.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def safe_cell(value):
    """A value as an exported CSV or XLSX cell: text that a spreadsheet would run as a
    formula (``=HYPERLINK(...)`` in a title) gets a leading apostrophe, and control
    characters that XLSX cannot hold are dropped (openpyxl raises on them)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_FORMULA_START):
            value = "'" + value
    return value


def safe_row(row) -> list:
    """:func:`safe_cell` of every value of a row."""
    return [safe_cell(value) for value in row]


def csv_bytes(headers: Sequence, rows) -> bytes:
    """An export as UTF-8 CSV with a byte-order mark, so that Excel on Chinese Windows
    reads the Chinese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets) -> bytes:
    """A workbook of ``(title, headers, rows)`` sheets (a title cut to Excel's 31
    characters), streamed in openpyxl's write-only mode rather than built cell by cell."""
    from openpyxl import Workbook  # on a download only (see ILLEGAL_CHARACTERS_RE)

    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append(safe_row(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def by_language(table) -> dict:
    """A table of labels written with each text beside its translation, as ``{"zh": …,
    "en": …}``: each ``(zh, en)`` pair, at any depth of dicts and lists, becomes its text
    in each language (so that the two cannot drift apart)."""

    def pick(node, index: int):
        if isinstance(node, tuple):
            return node[index]
        if isinstance(node, dict):
            return {key: pick(value, index) for key, value in node.items()}
        if isinstance(node, list):
            return [pick(value, index) for value in node]
        return node

    return {language: pick(table, index) for index, language in enumerate(("zh", "en"))}


class UnreadableFile(DomainError, status=400, title="Unreadable file"):
    """A file that is not what it claims to be, or has no header row."""


class TooManyRows(DomainError, status=413, title="Too many rows"):
    """More data rows than an import takes at once."""


class CellTooLong(DomainError, status=422, title="Cell too long"):
    """A CSV field too long for the CSV reader (an XLSX cell too long is a row's error)."""


@dataclass
class Sheet:
    """What :func:`read_sheet` found."""

    #: (row number in the file, {field: value}) of every data row, in file order.
    rows: list[tuple[int, dict]] = field(default_factory=list)
    #: The row number of the header row.
    header_row: int = 1
    #: field -> the header as the file writes it.
    columns: dict[str, str] = field(default_factory=dict)
    #: ``{"row": n, "reason": "中文 / English"}`` of every row skipped but a blank one.
    skipped: list[dict] = field(default_factory=list)
    #: row number -> {field: [messages]}: cells over the length limit (left out of ``rows``).
    cell_errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)


def header_key(value) -> str:
    """A header cell as compared: NFKC, no spaces or ``*`` marks, lower case."""
    if value is None:
        return ""
    return re.sub(r"[\s*]+", "", nfkc(str(value))).lower()


def read_sheet(
    data: bytes,
    filename: str,
    columns: Mapping[str, str],
    max_rows: int,
    *,
    max_cell: int = MAX_CELL,
    example: Mapping[str, object] | None = None,
) -> Sheet:
    """The data rows of an XLSX or CSV file whose header names some of ``columns``
    (header text -> field; compared by :func:`header_key`). ``example``: the template's
    example row ({field: value}), skipped if it is left in."""
    name = (filename or "").lower()
    looks_zip = data[:4] == b"PK\x03\x04"
    if name.endswith((".xlsx", ".xlsm")) or (looks_zip and not name.endswith(".csv")):
        raw = _xlsx_rows(data, max_rows + SKIPPED_ALLOWANCE)
    elif name.endswith(".csv") or not name:
        raw = _csv_rows(data, max_rows + SKIPPED_ALLOWANCE, max_cell)
    else:
        raise UnreadableFile.on(
            "file",
            ("请上传 .xlsx 或 .csv 文件", "upload an .xlsx or .csv file"),
            ("不支持的文件类型", "unsupported type"),
        )
    return _table(raw, columns, max_rows, max_cell, example)


def _not_xlsx(exc: Exception) -> UnreadableFile:
    return UnreadableFile(
        message("无法读取这个 XLSX 文件", "this is not a readable XLSX file"),
        {"file": [exc.__class__.__name__]},
    )


def _too_many(max_rows: int) -> TooManyRows:
    return TooManyRows.on(
        "file",
        (f"文件超过 {max_rows} 行的上限", f"more than {max_rows} rows: the limit is {max_rows}"),
        (f"最多 {max_rows} 行", f"at most {max_rows} rows"),
    )


def _blank(values: Sequence) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _table(
    raw: list[tuple[int, list]],
    columns: Mapping[str, str],
    max_rows: int,
    max_cell: int,
    example: Mapping[str, object] | None,
) -> Sheet:
    wanted = {header_key(k): v for k, v in columns.items()}
    best, best_score = None, 0
    for index, (_number, values) in enumerate(raw[:HEADER_SEARCH]):
        score = len({wanted[k] for k in map(header_key, values) if k in wanted})
        if score > best_score:
            best, best_score = index, score
    if best is None:
        if not raw:
            raise UnreadableFile.on(
                "file", ("文件是空的", "the file is empty"), ("没有表头", "no header row")
            )
        expected = "、".join(list(columns)[:4])
        raise UnreadableFile.on(
            "file",
            (f"找不到表头（应有 {expected} 等列）", f"no header row naming {expected}"),
            ("没有表头", "no header row"),
        )
    header_number, header_values = raw[best]
    sheet = Sheet(header_row=header_number)
    positions: dict[int, str] = {}
    for position, value in enumerate(header_values):
        target = wanted.get(header_key(value))
        if target is not None and target not in sheet.columns:
            positions[position] = target
            sheet.columns[target] = str(value).strip()
    title = message("表头之上的标题行", "a title row above the header")
    sheet.skipped = [{"row": number, "reason": title} for number, _ in raw[:best]]
    header_keys = [header_key(v) for v in header_values]
    expected = _example_keys(example)
    for number, values in raw[best + 1 :]:
        reason = _skip_reason(values, header_keys)
        row = {target: values[p] if p < len(values) else None for p, target in positions.items()}
        if reason is None and expected is not None and _example_keys(row) == expected:
            reason = message("模板的示例行", "the template's example row")
        if reason is not None:
            sheet.skipped.append({"row": number, "reason": reason})
            continue
        if len(sheet.rows) >= max_rows:
            raise _too_many(max_rows)
        for target, value in list(row.items()):
            if isinstance(value, str) and len(value) > max_cell:
                sheet.cell_errors.setdefault(number, {})[target] = [
                    message(
                        f"超过 {max_cell} 个字符的上限（{len(value)} 个）",
                        f"over the limit of {max_cell} characters ({len(value)})",
                    )
                ]
                del row[target]
        sheet.rows.append((number, row))
    return sheet


def _example_keys(row: Mapping | None) -> dict | None:
    if row is None:
        return None
    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else nfkc(str(value)).strip()
        if text:
            out[key] = text
    return out


def _skip_reason(values: list, header_keys: list[str]) -> str | None:
    texts = [header_key(v) for v in values if v is not None and str(v).strip()]
    if not texts:
        return None
    if texts[0].startswith(_TOTALS[:4]) or texts[0] in _TOTALS:
        return message("合计行", "a total row")
    if len(set(texts)) == 1 and texts[0].startswith(_NOTES):
        return message("说明行", "a note")
    if [header_key(v) for v in values[: len(header_keys)]] == header_keys:
        return message("重复的表头", "the header repeated")
    return None


# What a file that only looks like a workbook raises (SyntaxError: the XML parsers' errors).
_NOT_XLSX = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
#: How much of a worksheet's XML is searched for merged cells.
_MERGE_SCAN = 64 * 1024 * 1024


def _xlsx_rows(data: bytes, limit: int) -> list[tuple[int, list]]:
    """The non-blank rows of the first worksheet, merged cells filled down."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _NOT_XLSX as exc:
        raise _not_xlsx(exc) from None
    try:
        worksheet = workbook.worksheets[0]
        out: list[tuple[int, list]] = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if values is None:
                continue
            values = list(values)
            if not _blank(values):
                if len(out) >= limit:
                    raise _too_many(limit - SKIPPED_ALLOWANCE)
                out.append((number, values))
        _fill_merged(worksheet, out)
        return out
    except _NOT_XLSX as exc:  # read-only mode parses a sheet only as it is read
        raise _not_xlsx(exc) from None
    finally:
        workbook.close()


def _fill_merged(worksheet, rows: list[tuple[int, list]]) -> None:
    """Copy the value of each range merged over several rows into the rows below its
    first cell (read-only mode does not know merged cells: they are read from the XML)."""
    from openpyxl.utils import column_index_from_string

    ranges = []
    source = worksheet._get_source()  # noqa: SLF001 - openpyxl gives no other way
    try:
        tail, read = b"", 0
        while read < _MERGE_SCAN:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            read += len(chunk)
            text = tail + chunk
            cut = text.rfind(b"<")
            ranges += [m.groups() for m in _MERGE.finditer(text, 0, max(cut, 0))]
            tail = text[max(cut, 0) :]
        ranges += [m.groups() for m in _MERGE.finditer(tail)]
    finally:
        source.close()
    if not ranges:
        return
    by_number = {number: values for number, values in rows}
    for first_col, first_row, _last_col, last_row in ranges:
        column = column_index_from_string(first_col.decode()) - 1
        top, bottom = int(first_row), int(last_row)
        above = by_number.get(top)
        if above is None or column >= len(above) or bottom <= top:
            continue
        for number in range(top + 1, bottom + 1):
            values = by_number.get(number)
            if values is not None and column < len(values) and values[column] in (None, ""):
                values[column] = above[column]


def _csv_rows(data: bytes, limit: int, max_cell: int) -> list[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile.on(
            "file",
            ("CSV 文件的编码既不是 UTF-8 也不是 GB18030", "the CSV is neither UTF-8 nor GB18030"),
            ("编码无法识别", "encoding"),
        )
    if "\x00" in text:
        raise UnreadableFile.on(
            "file",
            ("这不是文本格式的 CSV 文件", "this is not a text CSV file"),
            ("含有二进制内容", "binary content"),
        )
    reader = csv.reader(io.StringIO(text))
    out: list[tuple[int, list]] = []
    number = 0
    try:
        for number, values in enumerate(reader, start=1):  # noqa: B007 - read in except
            if not _blank(values):
                if len(out) >= limit:
                    raise _too_many(limit - SKIPPED_ALLOWANCE)
                out.append((number, values))
    except csv.Error as exc:
        row = number + 1
        if "field larger than field limit" in str(exc):
            raise CellTooLong.on(
                "file",
                (
                    f"第 {row} 行有单元格超过 {max_cell} 个字符的上限",
                    f"row {row} has a cell over the limit of {max_cell} characters",
                ),
                (f"第 {row} 行：单元格过长", f"row {row}: a cell too long"),
            ) from None
        raise UnreadableFile(
            message(f"第 {row} 行不是有效的 CSV", f"row {row} is not valid CSV"),
            {"file": [str(exc)[:200]]},
        ) from None
    return out


# -- templates ---------------------------------------------------------------------------------


#: A template's first notes (zh, en): how its header and example rows are read.
EXAMPLE_ROW_NOTES = (
    "第一行是表头，第二行是示例（原样留下的示例行不会导入），请从第三行起填写，或改写示例行。",
    "The first row is the header and the second an example (left as it is, it is not "
    "imported); fill in from the third row, or overwrite the example.",
)


def template(
    headers: Sequence[str],
    example: Sequence,
    *,
    text_columns: Sequence[int] = (),
    notes: Sequence[str] = (),
    title: str = "导入模板",
) -> bytes:
    """An import's template: an XLSX with the (Chinese) ``headers``, one ``example`` row,
    the ``text_columns`` (0-based) formatted as text so that Excel keeps an 18-digit
    identity number as typed, and a second sheet of ``notes`` (填表说明)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    sheet.append(safe_row(example))
    bold = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=index).font = bold
        width = max(len(str(header)), len(str(example[index - 1] or ""))) * 2 + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 10), 40)
    for index in text_columns:  # the column's style: Excel gives it to every cell typed in it
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].number_format = "@"
        sheet[f"{letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"
    if notes:
        guide = book.create_sheet("填表说明")
        for line in notes:
            guide.append([line])
        guide.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
