"""Migrations evolve a store without losing data, on SQLite and PostgreSQL, and reverse cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, SQLModel

from slackbridge.db import alembic_config, check_schema, current_revision, make_engine, upgrade
from slackbridge.models import Case, CaseSource, CaseStatus, Customer, Tweet, TweetSource


def _fill_at_first_revision(engine: sa.Engine) -> None:
    """Rows written as the first release wrote them: into that revision's tables (reflected), with today's
    model defaults for the columns it had; columns added later are left to the migrations."""
    upgrade(engine, "0001")
    when = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    rows: list[SQLModel] = [
        Customer(id="42", username="OldTimer", name="Old Timer", first_seen_at=when),
        Tweet(
            id="1700000000000000001",
            author_id="42",
            conversation_id="1700000000000000001",
            text="@acme the blender arrived broken",
            created_at=when,
            source=TweetSource.MENTION,
        ),
        Case(
            conversation_id="1700000000000000001",
            root_tweet_id="1700000000000000001",
            customer_id="42",
            source=CaseSource.MENTION,
            status=CaseStatus.OPEN,
            created_at=when,
        ),
    ]
    old = sa.MetaData()
    old.reflect(engine)
    with Session(engine) as session:
        for row in rows:
            table = old.tables[str(row.__tablename__)]
            values = {c.name: getattr(row, c.name) for c in table.columns if getattr(row, c.name) is not None}
            session.execute(sa.insert(table).values(**values))
        session.commit()


def _check_kept(engine: sa.Engine) -> None:
    """The old rows, read through whatever tables the current revision has."""
    tables = sa.MetaData()
    tables.reflect(engine, only=["tweet", "case"])
    tweet, case = tables.tables["tweet"], tables.tables["case"]
    with engine.connect() as conn:
        text, created = conn.execute(
            sa.select(tweet.c.text, tweet.c.created_at).where(tweet.c.id == "1700000000000000001")
        ).one()
        [status] = conn.execute(sa.select(case.c.status)).scalars().all()
    assert text == "@acme the blender arrived broken"
    assert created.replace(tzinfo=created.tzinfo or UTC) == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert status == CaseStatus.OPEN.value


def _full_text_finds_old_rows(engine: sa.Engine) -> bool:
    """Rows stored before the search migration are in the new full-text index."""
    query = {
        "sqlite": "SELECT count(*) FROM tweet_fts WHERE tweet_fts MATCH 'blender'",
        "postgresql": "SELECT count(*) FROM tweet WHERE search_tsv @@ plainto_tsquery('simple', 'blender')",
    }[engine.dialect.name]
    with engine.connect() as conn:
        return bool(conn.execute(sa.text(query)).scalar())


def _roundtrip(url: str) -> None:
    engine = make_engine(url)
    _fill_at_first_revision(engine)
    assert current_revision(engine) == "0001"
    assert check_schema(engine) is not None  # run refuses an old schema
    upgrade(engine)
    assert check_schema(engine) is None
    _check_kept(engine)
    assert _full_text_finds_old_rows(engine)
    command.downgrade(alembic_config(engine), "0001")
    _check_kept(engine)
    upgrade(engine)
    assert _full_text_finds_old_rows(engine)
    assert check_schema(engine) is None
    engine.dispose()


def test_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'store.db'}")


def test_upgrade_keeps_data_on_postgres(postgres_url: str) -> None:
    _roundtrip(postgres_url)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: the migrations describe exactly the tables in models.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = make_engine(f"sqlite:///{tmp_path / 'cmp.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # FTS shadow tables (0002's words, 0009's trigrams) and expression indexes are made by hand.
    hand_made = ("fts", "trgm")
    relevant = [d for d in diff if not (d[0] == "remove_table" and any(h in d[1].name for h in hand_made))]
    relevant = [d for d in relevant if d[0] != "remove_index"]
    assert relevant == []
