"""The journey of issue 7: a month in a city, end to end, over HTTP only.

``journey.steps.Journey`` walks through the month; ``journey.embedded`` starts the
embedded default for it; ``python -m journey --embedded`` runs it and prints the report.
"""
