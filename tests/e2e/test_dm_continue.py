"""Continue in DM: offered where X's reply rule refuses a public reply; the first DM is approved like any
draft, reaches the customer once, and the customer's answer continues in the DM case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.models import Case, CaseSource, Draft, DraftStatus, utcnow
from slackbridge.slack.ids import DRAFT_INPUT, BlockId
from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for
from tests.e2e.dm_helpers import DM_CHANNEL, DM_ENV, allow_dms, dm_cards, poll_dms, public_text


@pytest.fixture
def env_extra(fakes: tuple[FakeSlack, FakeX]) -> dict[str, str]:
    allow_dms(*fakes)
    return dict(DM_ENV)


def _drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft).order_by(Draft.id)))  # type: ignore[arg-type]


def test_a_reply_refused_by_the_reply_rule_continues_in_dm_once(bridge: Bridge) -> None:
    root = bridge.x.add_tweet("jane", "This brand lost my parcel again")  # does not mention us
    tweet_id = bridge.x.add_tweet("jane", "@acme where is it?", in_reply_to=root)
    bridge.poll()
    card = bridge.card_for(tweet_id)
    assert find_button(card, "case_continue_in_dm")  # offered on public cards too
    # The team answers the first post, which X's reply rule does not let us answer in public.
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: so sorry, Jane!")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    with bridge.services.deps.session() as session:
        draft = session.exec(select(Draft)).one()
        draft.in_reply_to_tweet_id = tweet_id
    bridge.x.fail_next(
        "/2/tweets",
        403,
        method="POST",
        body={
            "title": "Forbidden",
            "status": 403,
            "type": "about:blank",
            "detail": "Reply to this conversation is not allowed because you have not been mentioned "
            "or otherwise engaged by the author of the post you are replying to.",
        },
    )
    bridge.click(MANAGER, draft_msg, "draft_approve")
    shown = wait_for(
        lambda: "Not posted" in message_text(bridge.current(draft_msg)) and bridge.current(draft_msg),
        what="refusal shown",
    )
    assert find_button(shown, "case_continue_in_dm")
    assert "Retry" not in message_text(shown)

    bridge.click(AGENT, shown, "case_continue_in_dm")
    [view] = wait_for(lambda: bridge.slack.views_opened, what="first DM window")
    assert "@jane" in message_text(view)
    private = "Please send your order number and address here."
    bridge.driver.submit_view(AGENT, view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: private}})
    wait_for(lambda: len(_drafts(bridge)) == 2, what="DM draft")
    bridge.services.ingest.deliver_pending()  # the every-process loops: delivery, then surfaces
    bridge.services.surfaces.sweep()
    [dm_card] = wait_for(lambda: dm_cards(bridge.slack), what="DM card")
    assert "Moved here from public case #1" in message_text(dm_card)
    [dm_draft_msg] = wait_for(lambda: bridge.drafts_in(dm_card, DM_CHANNEL), what="DM draft message")

    for _ in range(2):  # a double click
        bridge.click(MANAGER, dm_draft_msg, "draft_approve", channel=DM_CHANNEL)
    wait_for(lambda: _drafts(bridge)[1].status == DraftStatus.SENT, what="DM sent")
    [sent] = bridge.x.dms_sent()
    assert sent["text"] == private

    # The customer answers by DM: it continues in the same DM case, not a new one.
    bridge.x.send_dm("jane", "Order 4471, 1 Secret Lane")
    poll_dms(bridge, now=utcnow() + timedelta(seconds=61))
    assert len(dm_cards(bridge.slack)) == 1
    thread = [message_text(m) for m in bridge.slack.thread(DM_CHANNEL, dm_card["ts"])]
    assert any("1 Secret Lane" in t for t in thread)
    assert len(bridge.x.dms_sent()) == 1
    text = public_text(bridge.slack)
    assert "Secret Lane" not in text and private not in text
    assert f"Continued in DM — see <#{DM_CHANNEL}>" in text
    with Session(bridge.services.deps.engine) as session:
        cases = session.exec(select(Case).order_by(Case.id)).all()  # type: ignore[arg-type]
        assert [c.source for c in cases] == [CaseSource.MENTION, CaseSource.DM]
        assert cases[0].linked_case_id == cases[1].id and cases[1].linked_case_id == cases[0].id
