"""All SQL: the aiosqlite store, migrations and row models."""
