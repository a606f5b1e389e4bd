"""Roster's bodies: the import report."""

from __future__ import annotations

from marshmallow import Schema, fields


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False)


class RowError(Schema):
    row = fields.Integer()
    errors = fields.Dict()


class SkippedRow(Schema):
    row = fields.Integer()
    reason = fields.String()


class ImportReportOut(Schema):
    kind = fields.String()
    rows = fields.Integer(metadata={"description": "data rows read (skipped rows not counted)"})
    imported = fields.Integer()
    dry_run = fields.Boolean()
    errors = fields.List(fields.Nested(RowError))
    ids = fields.List(fields.Integer())
    header_row = fields.Integer(metadata={"description": "the row the header was found in"})
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "field -> the column's header as the file writes it"},
    )
    skipped = fields.List(
        fields.Nested(SkippedRow),
        metadata={"description": "title rows, total rows, notes, the example row left in"},
    )
