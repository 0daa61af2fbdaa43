"""Posts deleted on X are deleted from the store and from the Slack card, as X's rules require.

With X_BEARER_TOKEN set, X's batch compliance jobs check every stored post without billing reads;
without it, the last 7 days of posts are looked up (billed as reads).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Cursor, Tweet, utcnow
from slackbridge.services.compliance import DONE_CURSOR, JOB_CURSOR, Compliance
from slackbridge.testing.fake_slack import message_text
from slackbridge.x.types import XError
from tests.e2e.conftest import Bridge, RunningBridge, wait_for


def settle(compliance: Compliance, rounds: int = 6) -> int:
    """Run poller rounds until the check in flight is done; returns how many posts were forgotten."""
    forgotten = 0
    for _ in range(rounds):
        forgotten += compliance.sweep()
        with Session(compliance.deps.engine) as session:
            if session.get(Cursor, JOB_CURSOR) is None and session.get(Cursor, DONE_CURSOR) is not None:
                return forgotten
    raise AssertionError("the compliance check did not finish")


def carded_then_deleted(bridge: Bridge) -> tuple[str, str, dict[str, Any]]:
    """Two mentions carded; then the one with a card number in it is deleted on X."""
    keep = bridge.x.mention("keeper", "@acme still here")
    gone = bridge.x.mention("regret", "@acme my card number is 4111 1111 1111 1111")
    bridge.poll()
    card = bridge.card_for(gone)
    bridge.x.delete(gone)
    return keep, gone, card


def deletion_audits(bridge: Bridge) -> list[dict[str, str]]:
    with Session(bridge.services.deps.engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.TWEET_DELETED_ON_X)).all()
        return [json.loads(row.detail) for row in rows]


def stored(bridge: Bridge, tweet_id: str) -> Tweet:
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None
        return tweet


def test_a_batch_job_finds_the_deleted_post_and_the_card_says_so(bridge: Bridge) -> None:
    keep, gone, card = carded_then_deleted(bridge)
    reads_before = bridge.x.reads
    bridge.x.clear_requests()

    assert settle(bridge.services.compliance) == 1

    wiped = stored(bridge, gone)
    assert wiped.deleted_at is not None and "4111" not in wiped.text
    assert stored(bridge, keep).deleted_at is None
    assert deletion_audits(bridge) == [{"tweet_id": gone, "reason": "deleted"}]
    wait_for(lambda: "deleted on X" in message_text(bridge.current(card)), what="card updated")
    assert "4111" not in message_text(bridge.current(card))
    # Every stored post was checked, none was read (and billed) to do it.
    [job] = bridge.x.compliance_jobs()
    assert set(job["ids"]) == {keep, gone}
    assert bridge.x.reads == reads_before
    # The job calls use the app-only token; the pre-signed storage URLs get no credentials at all.
    calls = bridge.x.requests
    assert {r.auth for r in calls if r.path.startswith("/2/compliance")} == {"bearer"}
    assert {r.auth for r in calls if r.path.startswith("/_storage/")} == {None}


def test_a_finished_check_is_not_repeated_until_it_is_due_again(bridge: Bridge) -> None:
    bridge.x.mention("keeper", "@acme hello")
    bridge.poll()
    compliance = bridge.services.compliance
    settle(compliance)
    for _ in range(3):
        assert compliance.sweep() == 0
    assert len(bridge.x.compliance_jobs()) == 1

    with Session(compliance.deps.engine) as session:  # 13 hours later
        done = session.get(Cursor, DONE_CURSOR)
        assert done is not None
        done.value = (utcnow() - timedelta(hours=13)).isoformat()
        session.add(done)
        session.commit()
    settle(compliance)
    assert len(bridge.x.compliance_jobs()) == 2


def test_suspended_and_protected_accounts_are_forgotten_too(bridge: Bridge) -> None:
    suspended = bridge.x.mention("spammer", "@acme buy followers")
    protected = bridge.x.mention("private", "@acme please help")
    bridge.poll()
    bridge.x.mark_for_compliance(suspended, "suspended")
    bridge.x.mark_for_compliance(protected, "protected")

    assert settle(bridge.services.compliance) == 2
    reasons = {audit["tweet_id"]: audit["reason"] for audit in deletion_audits(bridge)}
    assert reasons == {suspended: "suspended", protected: "protected"}
    assert stored(bridge, protected).text == ""


def test_a_restart_follows_the_job_in_flight_instead_of_starting_another(
    service: RunningBridge, bridge: Bridge
) -> None:
    gone = bridge.x.mention("regret", "@acme oops")
    bridge.poll()
    bridge.x.delete(gone)
    bridge.x.compliance_checks_before_done = 3
    assert bridge.services.compliance.sweep() == 0  # job created and ids uploaded
    assert bridge.services.compliance.sweep() == 0  # X is still working on it

    service.stop()
    restarted = service.start()
    assert settle(restarted.services.compliance) == 1
    assert len(bridge.x.compliance_jobs()) == 1
    assert stored(restarted, gone).deleted_at is not None


def test_an_expired_job_is_replaced_and_the_check_still_happens(bridge: Bridge) -> None:
    gone = bridge.x.mention("regret", "@acme oops")
    bridge.poll()
    bridge.x.delete(gone)
    bridge.x.compliance_checks_before_done = 2
    compliance = bridge.services.compliance
    compliance.sweep()
    [first] = bridge.x.compliance_jobs()
    bridge.x.expire_compliance_job(first["id"])

    assert settle(compliance) == 1
    assert [job["status"] for job in bridge.x.compliance_jobs()] == ["expired", "complete"]


def test_an_x_outage_raises_for_the_poller_to_back_off_and_the_next_round_recovers(bridge: Bridge) -> None:
    gone = bridge.x.mention("regret", "@acme oops")
    bridge.poll()
    bridge.x.delete(gone)
    bridge.x.fail_next("/2/compliance/jobs", 503, method="POST")
    compliance = bridge.services.compliance
    with pytest.raises(XError) as raised:
        compliance.sweep()
    assert "server error (503)" in raised.value.message
    assert bridge.x.compliance_jobs() == []
    assert settle(compliance) == 1


class TestWithoutABearerToken:
    """No app-only token: recent posts are looked up in batches of 100, billed as reads."""

    @pytest.fixture
    def env_extra(self) -> dict[str, str]:
        return {"X_BEARER_TOKEN": ""}

    def test_recent_posts_are_looked_up_and_the_deleted_one_wiped(self, bridge: Bridge) -> None:
        keep, gone, card = carded_then_deleted(bridge)
        reads_before = bridge.x.reads

        compliance = bridge.services.compliance
        assert compliance.sweep() == 1
        assert bridge.x.reads > reads_before  # the lookups are billed
        assert bridge.x.compliance_jobs() == []
        assert stored(bridge, gone).deleted_at is not None and stored(bridge, keep).deleted_at is None
        wait_for(lambda: "deleted on X" in message_text(bridge.current(card)), what="card updated")

        reads_after = bridge.x.reads
        assert compliance.sweep() == 0  # not due again for 12 hours: nothing read
        assert bridge.x.reads == reads_after
