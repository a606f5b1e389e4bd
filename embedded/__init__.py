"""The embedded default: every service in one process on one port, SQLite files under
``var/``, kombu's in-process broker, and the demo city. The same application code as
production; only the URLs differ."""
