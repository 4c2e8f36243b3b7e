"""Alembic revision scripts (loaded by Alembic from this directory, not imported)."""
