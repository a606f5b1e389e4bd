"""Code every Grassroots service shares: configuration, database, events, auth, HTTP.

Mechanisms only; business rules live in the services.
"""
