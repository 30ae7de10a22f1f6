"""Where conversations are kept: SQLite (the default) and Redis (shared between workers)."""
