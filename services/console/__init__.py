"""The web console: server-rendered pages over the other services' public HTTP APIs."""
