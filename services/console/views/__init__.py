"""The console's pages, one blueprint per area."""

from services.console.views import (
    auth,
    calendar,
    confirm,
    dashboard,
    evidence,
    home,
    imports,
    mentors,
    notifications,
    printing,
    reports,
    trainees,
    welfare,
    workload,
)

BLUEPRINTS = [
    auth.bp,
    home.bp,
    dashboard.bp,
    trainees.bp,
    mentors.bp,
    reports.bp,
    welfare.bp,
    notifications.bp,
    imports.bp,
    calendar.bp,
    confirm.bp,
    workload.bp,
    printing.bp,
    evidence.bp,
]
