"""Search finds posts in every language: Japanese (no spaces), Spanish (accents), German (compounds), on
SQLite (FTS5 trigram index) and PostgreSQL (pg_trgm); a deleted post's text stays unsearchable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from slackbridge.db import alembic_config, make_engine, upgrade
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, Bridge, RunningBridge
from tests.e2e.test_tweetcare import ask


def _finds_every_language(bridge: Bridge, *, accents_matter: bool = False) -> None:
    japanese = bridge.x.mention("taro", "@acme 注文が届きません。確認してください")
    bridge.x.mention("lucia", "@acme ¿Dónde está mi devolución? Pedido 4411")
    german = bridge.x.mention("jonas", "@acme Das Rücksendungsetikett fehlt im Paket")
    bridge.x.mention("sam", "@acme opening hours?")
    bridge.poll()

    def found(words: str) -> str:
        return message_text(ask(bridge, AGENT, f"search {words}"))

    text = found("注文")
    assert "注文が届きません" in text and "devolución" not in text
    assert "注文が届きません" in found("届きません")
    assert "devolución" in found("devolución")
    if not accents_matter:  # SQLite's word index folds accents; PostgreSQL's 'simple' one does not
        assert "devolución" in found("devolucion")
    assert "devolución" in found("DEVOLUCIÓN pedido")
    assert "Rücksendungsetikett" in found("Rücksendung"), "part of a compound word"
    assert "Nothing found" in found("配送")
    bridge.services.compliance.forget(japanese)
    assert "Nothing found" in found("注文")
    bridge.services.compliance.forget(german)
    assert "Nothing found" in found("Rücksendung")


def test_search_finds_japanese_spanish_and_german_posts_on_sqlite(bridge: Bridge) -> None:
    _finds_every_language(bridge)


@pytest.fixture
def pg_bridge(fakes: tuple[FakeSlack, FakeX], postgres_url: str) -> Iterator[Bridge]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    running = RunningBridge(*fakes, postgres_url, {})
    bridge = running.start()
    yield bridge
    running.stop()
    bridge.services.deps.engine.dispose()


def test_search_finds_japanese_spanish_and_german_posts_on_postgres(pg_bridge: Bridge) -> None:
    with pg_bridge.services.deps.engine.connect() as conn:
        indexes = conn.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'tweet'")
        ).scalars()
        assert "ix_tweet_text_trgm" in set(indexes)
    _finds_every_language(pg_bridge, accents_matter=True)


def _migrates_with_data_kept(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0006")
    with engine.begin() as conn:  # a post stored before the migration is found after it
        conn.execute(
            sa.text(
                "INSERT INTO tweet (id, author_id, conversation_id, text, created_at, source, stored_at, "
                "delivery_failures) VALUES ('17', 'u1', '17', '注文が届きません', :now, 'mention', :now, 0)"
            ),
            {"now": "2026-11-01 12:00:00"},
        )
    upgrade(engine)
    sqlite = engine.dialect.name == "sqlite"
    query = (
        "SELECT rowid FROM tweet_trgm WHERE tweet_trgm MATCH '\"注文が\"'"
        if sqlite
        else "SELECT id FROM tweet WHERE text ILIKE '%注文が%'"
    )
    with engine.connect() as conn:
        assert [str(v) for v in conn.execute(sa.text(query)).scalars()] == ["17"]
    command.downgrade(alembic_config(engine), "0006")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT text FROM tweet")).scalar() == "注文が届きません"
    upgrade(engine)
    engine.dispose()


def test_migration_keeps_data_and_indexes_old_posts_on_sqlite(tmp_path: Path) -> None:
    _migrates_with_data_kept(f"sqlite:///{tmp_path / 'm.db'}")


def test_migration_keeps_data_and_indexes_old_posts_on_postgres(postgres_url: str) -> None:
    _migrates_with_data_kept(postgres_url)
