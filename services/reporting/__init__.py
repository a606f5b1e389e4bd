"""Reporting: periods, the monthly forms and the quarterly report, review, overdue tracking,
the duty list, supervision, dashboards, assessment and exports."""
