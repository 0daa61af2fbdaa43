"""The storm's counting: each broken promise is reported, and a clean run reports none."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from slackbridge.testing.storm_result import Reply, StormConfig, StormResult

T0 = 1_800_000_000.0


def _clean() -> StormResult:
    """Three mentions carded a second later, one kill, one draft approved and posted once."""
    return StormResult(
        config=StormConfig(database_url="sqlite://", workdir=Path("."), poll_seconds=1.0),
        elapsed=20.0,
        mentioned={"1": T0, "2": T0 + 5, "3": T0 + 10},
        cards={"1": [T0 + 1], "2": [T0 + 6], "3": [T0 + 11]},
        kills=[(T0 + 4, "worker-1")],
        reads=20,
        read_times=[T0 + n * 1.2 for n in range(16)],
        replies={"Q0000": Reply("1", f"{T0 + 1:.6f}", acked=True)},
        drafts={"Q0000": 1},
        approvals_acked={"Q0000"},
        approvals_tried={"Q0000"},
        posts=["Q0000"],
    )


def test_a_clean_run_keeps_every_promise() -> None:
    result = _clean()
    assert result.violations() == []
    figures = result.figures()
    assert figures["carded"] == 3 and figures["posts"] == 1 and figures["broken_promises"] == 0
    assert result.gaps_after_kills == [1.0]  # counted from when mention 2 arrived after the kill


def test_lost_and_doubled_cards_are_reported() -> None:
    result = replace(_clean(), cards={"1": [T0 + 1, T0 + 2], "2": [T0 + 6]})
    broken = "\n".join(result.violations())
    assert "1 of 3 mentions never got a card" in broken
    assert "1 mentions were carded more than once" in broken


def test_a_post_twice_or_without_approval_is_reported() -> None:
    result = replace(_clean(), posts=["Q0000", "Q0000", "Q0007", ""])
    broken = "\n".join(result.violations())
    assert "1 drafts were posted on X more than once: Q0000x2" in broken
    assert "2 posts on X had no approval click" in broken


def test_lost_reply_and_lost_approval_are_reported() -> None:
    result = replace(_clean(), drafts={"Q0000": 0}, posts=[])
    broken = "\n".join(result.violations())
    assert "1 of 1 acknowledged reply: messages became no draft" in broken
    assert "1 of 1 acknowledged approvals never reached X" in broken


def test_several_pollers_are_reported() -> None:
    two_pollers = sorted([T0 + n for n in range(16)] + [T0 + n + 0.1 for n in range(16)])
    broken = "\n".join(replace(_clean(), read_times=two_pollers, reads=32).violations())
    assert "several processes poll X" in broken
    assert "X mentions were read 32 times" in broken


def test_a_stall_after_a_kill_is_reported() -> None:
    stalled = replace(_clean(), cards={"1": [T0 + 1]}, kills=[(T0 + 2, "web-1")])
    assert stalled.gaps_after_kills == [float("inf")]
    assert "the next card took longer than 15s: ['web-1 at +2s: no card since']" in "\n".join(
        stalled.violations()
    )
