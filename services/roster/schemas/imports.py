"""Roster's bodies: the import report (``shared.http``'s, with the import's kind)."""

from __future__ import annotations

from marshmallow import fields

from shared.http import ImportReportOut as SheetImportReport


class ImportReportOut(SheetImportReport):
    kind = fields.String()
