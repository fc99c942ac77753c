"""Ordered SQL migrations, applied at start and recorded in schema_migrations."""
