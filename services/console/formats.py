"""How the console writes money and rates: in its templates (the ``yuan`` and ``pct``
filters) and in its views' tables and printed documents alike."""

from __future__ import annotations


def yuan(fen) -> str:
    """Integer fen as yuan with two decimals (never through a float)."""
    if fen is None or fen == "":
        return "—"
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def percent(rate) -> str:
    """A rate (0..1, a number or a decimal string) as a percentage."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}%"
