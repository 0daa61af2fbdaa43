"""The promises under a storm: 2 web processes and 2 workers, a few hundred mentions, clicks and kill -9.

Nothing is posted to X twice or without an approval, no mention, acknowledged `reply:` or acknowledged
approval is lost, only one process reads X's mentions, and cards keep coming within seconds of a kill.
Everything is counted from the fake Slack and X, as people would see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slackbridge.testing.storm import StormConfig, StormResult, run_storm

# One storm at a time (the suite runs on two workers): each storm measures gaps and latency on its own.
pytestmark = pytest.mark.xdist_group("storm")

# Bounded so that one variant takes about a minute and a half on two busy cores. The settling bound only
# runs out when a promise is already broken (a stalled service); a healthy run ends as soon as it is done.
MENTIONS, FEED_SECONDS, KILLS, REPLIES, SETTLE_SECONDS = 200, 40.0, 6, 30, 30.0


def _storm(database_url: str, workdir: Path, seed: int) -> StormResult:
    config = StormConfig(
        database_url=database_url,
        workdir=workdir,
        web=2,
        workers=2,
        mentions=MENTIONS,
        feed_seconds=FEED_SECONDS,
        kills=KILLS,
        replies=REPLIES,
        settle_seconds=SETTLE_SECONDS,
        seed=seed,
    )
    return run_storm(config)


def _check(result: StormResult) -> None:
    print(f"\nstorm figures: {result.summary()}")
    broken = result.violations()
    if broken:
        print(result.logs)
    assert not broken, "broken promises:\n- " + "\n- ".join(broken)


@pytest.mark.timeout(240)
def test_storm_on_postgresql_keeps_every_promise(postgres_url: str, tmp_path: Path) -> None:
    _check(_storm(postgres_url, tmp_path, seed=1))


@pytest.mark.timeout(240)
def test_storm_on_sqlite_keeps_every_promise(tmp_path: Path) -> None:
    """Several processes on one SQLite file (WAL), as a small team runs it on one machine."""
    _check(_storm(f"sqlite:///{tmp_path / 'slackbridge.db'}", tmp_path, seed=2))
