"""Alembic migrations for the triage database, shipped inside the package.

Run them with ``triage.store.Store(url).upgrade()``; no alembic.ini editing is needed.
For a new revision: ``alembic -c triage/migrations/alembic.ini revision --autogenerate
-x url=sqlite:////tmp/triage-dev.db -m "what changed"``, then review it by hand.
"""
