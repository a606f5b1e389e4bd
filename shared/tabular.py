"""Reading the spreadsheets people upload: XLSX (the first sheet) or CSV in UTF-8, with
or without BOM, or GB18030 (what Excel writes on Chinese Windows). Rows come back with
their row number in the file, so that an import can report errors the way a clerk finds
them. Any file that is not what it claims to be is an :class:`UnreadableFile` (400).
Exports pass their cells through :func:`safe_row`."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shared.errors import DomainError

#: What a spreadsheet takes for the start of a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


class UnreadableFile(DomainError):
    status = 400
    title = "Unreadable file"


def read_rows(data: bytes, filename: str, max_rows: int) -> list[tuple[int, dict]]:
    """The rows of an XLSX or CSV file as (row number in the file, {header: value})."""
    name = (filename or "").lower()
    looks_zip = data[:4] == b"PK\x03\x04"
    if name.endswith((".xlsx", ".xlsm")) or (looks_zip and not name.endswith(".csv")):
        return _read_xlsx(data, max_rows)
    if name.endswith(".csv") or not name:
        return _read_csv(data, max_rows)
    raise UnreadableFile("upload an .xlsx or .csv file", {"file": ["unsupported type"]})


# What a file that only looks like a workbook raises (SyntaxError: the XML parsers' errors).
_NOT_XLSX = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError)


def _read_xlsx(data: bytes, max_rows: int) -> list[tuple[int, dict]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _NOT_XLSX as exc:
        raise UnreadableFile(
            "this is not a readable XLSX file", {"file": [exc.__class__.__name__]}
        ) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise UnreadableFile("the sheet is empty", {"file": ["no header row"]})
        keys = [str(h).strip() if h is not None else "" for h in header]
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            if len(out) >= max_rows:
                raise UnreadableFile(f"more than {max_rows} rows", {"file": ["too many rows"]})
            out.append((number, {k: v for k, v in zip(keys, values, strict=False) if k}))
        return out
    except _NOT_XLSX as exc:  # read-only mode parses a sheet only as it is read
        raise UnreadableFile(
            "this is not a readable XLSX file", {"file": [exc.__class__.__name__]}
        ) from None
    finally:
        workbook.close()


def _read_csv(data: bytes, max_rows: int) -> list[tuple[int, dict]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("the CSV is neither UTF-8 nor GB18030", {"file": ["encoding"]})
    if "\x00" in text:
        raise UnreadableFile("this is not a text CSV file", {"file": ["binary content"]})
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UnreadableFile("the file is empty", {"file": ["no header row"]})
    out = []
    for number, row in enumerate(reader, start=2):
        if all(not (v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if len(out) >= max_rows:
            raise UnreadableFile(f"more than {max_rows} rows", {"file": ["too many rows"]})
        out.append((number, {(k or "").strip(): v for k, v in row.items() if k}))
    return out
