"""The fake X's DM endpoints: user context only, the DM permission, shapes, paging and the 15/15 limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from requests_oauthlib import OAuth1

from slackbridge.testing.fake_x import APP_ONLY_FORBIDDEN, FakeX
from slackbridge.x.client import XClient
from slackbridge.x.types import XError, XErrorKind


def _oauth(fake: FakeX) -> OAuth1:
    return OAuth1(fake.api_key, fake.api_secret, fake.access_token, fake.access_token_secret)


def test_dm_events_refuse_app_only_and_tokens_without_dm_permission(fake_x: FakeX) -> None:
    app_only = requests.get(
        fake_x.url + "/2/dm_events", headers={"Authorization": f"Bearer {fake_x.bearer_token}"}, timeout=5
    )
    assert app_only.status_code == 403 and app_only.json()["detail"] == APP_ONLY_FORBIDDEN
    no_permission = requests.get(fake_x.url + "/2/dm_events", auth=_oauth(fake_x), timeout=5)
    assert no_permission.status_code == 403
    assert no_permission.json()["type"].endswith("oauth1-permissions")


def test_dm_events_newest_first_with_senders_and_pages(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.access_level = "read-write-directmessages"
    first = fake_x.send_dm("jane", "one")
    fake_x.brand_dm("jane", "two")
    fake_x.send_dm("bob", "three")
    answer = requests.get(
        fake_x.url + "/2/dm_events",
        params={"dm_event.fields": "sender_id,dm_conversation_id", "max_results": "2"},
        auth=_oauth(fake_x),
        timeout=5,
    ).json()
    assert [e["text"] for e in answer["data"]] == ["three", "two"]
    assert set(answer["data"][0]) == {"id", "event_type", "text", "sender_id", "dm_conversation_id"}
    assert answer["meta"]["result_count"] == 2 and answer["meta"]["next_token"]

    page = x_client.dm_events(max_results=2)
    rest = x_client.dm_events(pagination_token=page.next_token, max_results=2)
    assert [e.text for e in page.events + rest.events] == ["three", "two", "one"]
    assert rest.events[0].id == first and rest.next_token is None
    assert page.events[0].sender is not None and page.events[0].sender.username == "bob"
    jane = fake_x.user("jane")
    assert jane is not None
    assert rest.events[0].dm_conversation_id == f"{fake_x.brand_id}-{jane['id']}"  # smaller id first


def test_sending_shapes_closed_recipients_and_the_15_per_15_minutes_limit(
    fake_x: FakeX, x_client: XClient
) -> None:
    fake_x.access_level = "read-write-directmessages"
    fake_x.clock = lambda: datetime(2026, 11, 29, 9, 1, tzinfo=UTC)  # one 15-minute window throughout
    jane = fake_x.add_user("jane")
    sent = x_client.send_dm("hello", participant_id=jane["id"])
    assert sent.event_id.isdigit() and sent.dm_conversation_id == f"{fake_x.brand_id}-{jane['id']}"
    fake_x.close_dms("jane")
    with pytest.raises(XError) as refused:
        x_client.send_dm("again", participant_id=jane["id"])
    assert refused.value.kind == XErrorKind.NOT_ALLOWED and "cannot send messages" in refused.value.message
    for _ in range(15):  # X allows 15 per 15 minutes; the 16th is refused
        x_client.dm_events()
    with pytest.raises(XError) as limited:
        x_client.dm_events()
    assert limited.value.kind == XErrorKind.RATE_LIMITED and limited.value.retry_at is not None
