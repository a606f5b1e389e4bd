"""Welfare: subsidies, the placement fee, turnover housing, five small facilities, visits and
the needs register."""
