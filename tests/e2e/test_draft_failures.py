"""How a failed post reads: X's rate-limit reset in each reader's time zone; Retry only where it can help."""

from __future__ import annotations

from slackbridge.models import utcnow
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for


def failed_draft(bridge: Bridge, status: int, **fail: object) -> dict:
    tweet_id = bridge.x.mention("jane", "@acme my parcel is late")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Sorry! DM us and we'll fix it.")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    bridge.x.fail_next("/2/tweets", status, method="POST", **fail)  # type: ignore[arg-type]
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "Not posted" in message_text(bridge.current(draft_msg)), what="failure shown")
    return bridge.current(draft_msg)


def has_button(message: dict, action_id: str) -> bool:
    try:
        find_button(message, action_id)
    except (AssertionError, KeyError, LookupError):
        return False
    return True


def test_rate_limit_reset_is_shown_with_slacks_date_formatting(bridge: Bridge) -> None:
    reset = int(utcnow().timestamp()) + 600
    shown = message_text(failed_draft(bridge, 429, headers={"x-rate-limit-reset": str(reset)}))
    assert f"Retry after <!date^{reset}^{{date_short_pretty}} at {{time}}|" in shown
    assert "UTC>" in shown and "&lt;!date" not in shown  # the token is live markup, the fallback in UTC
    assert has_button(bridge.current(bridge.drafts_in(bridge.cards()[0])[0]), "draft_retry")


def test_a_final_403_offers_no_retry_only_edit_and_discard(bridge: Bridge) -> None:
    body = {
        "title": "Forbidden",
        "detail": "Reply to this conversation is not allowed because you have not been mentioned or "
        "otherwise "
        "engaged by the author of the post you are replying to.",
        "type": "about:blank",
        "status": 403,
    }
    message = failed_draft(bridge, 403, body=body)
    assert "did not allow this reply" in message_text(message)
    assert not has_button(message, "draft_retry")
    assert has_button(message, "draft_edit") and has_button(message, "draft_discard")


def test_out_of_credits_says_so_and_keeps_retry_for_after_the_top_up(bridge: Bridge) -> None:
    body = {
        "title": "CreditsDepleted",
        "detail": "Your enrolled account does not have any credits to fulfill this request.",
        "type": "https://api.twitter.com/2/problems/credits",
    }
    message = failed_draft(bridge, 402, body=body)
    assert "out of credits" in message_text(message) and "Nothing was posted" in message_text(message)
    assert has_button(message, "draft_retry")
