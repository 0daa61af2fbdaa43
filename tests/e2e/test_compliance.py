"""Posts deleted on X are deleted from the store and from the Slack card, as X's rules require."""

from __future__ import annotations

from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Tweet
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import Bridge, wait_for


def test_deleted_post_is_wiped_and_the_card_says_so(bridge: Bridge) -> None:
    keep = bridge.x.mention("keeper", "@acme still here")
    gone = bridge.x.mention("regret", "@acme my card number is 4111 1111 1111 1111")
    bridge.poll()
    card = bridge.card_for(gone)
    bridge.x.delete(gone)

    compliance = bridge.services.compliance
    assert compliance.sweep() == 1

    with Session(bridge.services.deps.engine) as session:
        wiped = session.get(Tweet, gone)
        assert wiped is not None and wiped.deleted_at is not None and "4111" not in wiped.text
        kept = session.get(Tweet, keep)
        assert kept is not None and kept.deleted_at is None
        assert session.exec(select(AuditLog).where(AuditLog.action == AuditAction.TWEET_DELETED_ON_X)).all()
    wait_for(lambda: "deleted on X" in message_text(bridge.current(card)), what="card updated")
    assert "4111" not in message_text(bridge.current(card))
    assert compliance.sweep() == 0  # already forgotten: nothing more to do
