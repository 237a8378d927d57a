"""Stairway: every revision upgrades, downgrades and upgrades again, on each backend."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import current, downgrade, revisions, upgrade
from storage.models import Base


async def test_stairway(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        steps = revisions()
        assert steps, "no migrations found"
        previous = "base"
        for revision in steps:
            await upgrade(engine, revision)
            await downgrade(engine, previous)
            await upgrade(engine, revision)
            assert await current(engine) == revision
            previous = revision
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        await downgrade(engine, "base")
        async with engine.connect() as conn:
            left = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert left <= {"alembic_version"}
    finally:
        await engine.dispose()


async def test_models_match_migrations(db_url: str) -> None:
    """Autogenerate finds nothing to do: the models and the revisions agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()
