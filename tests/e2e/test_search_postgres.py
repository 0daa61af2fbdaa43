"""The 0002 full-text migration on PostgreSQL (and back down), and /tweetcare lookups running on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from slackbridge.db import alembic_config, make_engine, upgrade
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, wait_for
from tests.e2e.test_tweetcare import ask


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_fts_migration_upgrades_and_downgrades_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:  # rows stored before the migration are searchable after it
        conn.execute(
            sa.text(
                "INSERT INTO tweet (id, author_id, conversation_id, text, created_at, source, stored_at) "
                "VALUES ('1', 'u1', '1', 'Parcel never arrived', now(), 'mention', now())"
            )
        )
    upgrade(engine)
    assert "search_tsv" in _columns(engine, "tweet") and "search_tsv" in _columns(engine, "draft")
    with engine.connect() as conn:
        found = (
            conn.execute(
                sa.text(
                    "SELECT id FROM tweet WHERE search_tsv @@ plainto_tsquery('simple', 'parcel arrived')"
                )
            )
            .scalars()
            .all()
        )
        plan = "\n".join(
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT id FROM tweet WHERE search_tsv @@ plainto_tsquery('simple', 'parcel')"
                )
            ).scalars()
        )
    assert found == ["1"]
    assert "search_tsv" in plan
    command.downgrade(alembic_config(engine), "0001")
    assert "search_tsv" not in _columns(engine, "tweet")
    upgrade(engine)
    engine.dispose()


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


def test_lookups_work_on_postgres(pg_bridge: Bridge) -> None:
    bridge = pg_bridge
    tweet_id = bridge.x.mention("Jane_Doe", "@acme the blender arrived broken")
    bridge.x.mention("sam", "@acme opening hours?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: So sorry, a new blender is on its way")
    wait_for(lambda: bridge.drafts_in(card), what="draft")

    text = message_text(ask(bridge, AGENT, "search blender"))
    assert "arrived broken" in text and "Draft (pending)" in text
    assert "@Jane_Doe" in message_text(ask(bridge, AGENT, "user @jane_doe"))
    assert "2 cases waiting on us" in message_text(ask(bridge, AGENT, "queue"))
    assert "Approve & send" in message_text(ask(bridge, MANAGER, "pending"))
    assert "Last 7 days" in message_text(ask(bridge, MANAGER, "stats"))
