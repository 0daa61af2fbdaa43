"""The fake answers the real slack_sdk WebClient the way Slack does."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text, validate_blocks

CHANNEL = "C0TEST"


def _button(action_id: str = "approve", value: str = "v", text: str = "Approve") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_auth_test_reports_the_bot_identity(client: WebClient, fake: FakeSlack) -> None:
    resp = client.auth_test()
    assert (resp["team_id"], resp["user_id"], resp["bot_id"]) == ("T0TEST", "UBOT", fake.bot_id)


@pytest.mark.parametrize(("token", "error"), [("xoxb-wrong", "invalid_auth"), (None, "not_authed")])
def test_bad_or_missing_token_is_rejected(fake: FakeSlack, token: str | None, error: str) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(token=token, base_url=fake.api_url).chat_postMessage(channel=CHANNEL, text="hi")
    assert _error(exc) == error
    assert exc.value.response.status_code == 200
    assert fake.messages(CHANNEL) == []


def test_token_as_form_parameter_is_accepted(fake: FakeSlack) -> None:
    resp = requests.post(f"{fake.api_url}auth.test", data={"token": "xoxb-test"}, timeout=5)
    assert resp.json()["ok"] is True


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.teleport")
    assert _error(exc) == "unknown_method"


def test_post_thread_and_replies(client: WebClient, fake: FakeSlack) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="card 1", blocks=[_section("*card* 1")])
    second = client.chat_postMessage(channel=CHANNEL, text="card 2")
    assert first["channel"] == CHANNEL and first["message"]["text"] == "card 1"
    assert float(second["ts"]) > float(first["ts"])

    reply = client.chat_postMessage(channel=CHANNEL, thread_ts=first["ts"], text="draft")
    client.chat_postMessage(channel=CHANNEL, thread_ts=reply["ts"], text="second draft")  # joins the thread

    assert [m["text"] for m in fake.messages(CHANNEL)] == ["card 1", "card 2"]
    assert [m["text"] for m in fake.thread(CHANNEL, first["ts"])] == ["draft", "second draft"]
    parent = fake.message(CHANNEL, first["ts"])
    assert parent is not None and parent["reply_count"] == 2
    replies = client.conversations_replies(channel=CHANNEL, ts=first["ts"])
    assert [m["text"] for m in replies["messages"]] == ["card 1", "draft", "second draft"]

    link = client.chat_getPermalink(channel=CHANNEL, message_ts=first["ts"])["permalink"]
    assert link == f"https://fake.slack.test/archives/{CHANNEL}/p{first['ts'].replace('.', '')}"


def test_reply_to_missing_thread_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=CHANNEL, thread_ts="1.000001", text="x")
    assert _error(exc) == "thread_not_found"


def test_update_replaces_content_and_requires_an_existing_message(client: WebClient, fake: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="old", blocks=[_section("old body")])["ts"]
    client.chat_update(channel=CHANNEL, ts=ts, text="new", blocks=[_section("new body")])
    updated = fake.message(CHANNEL, ts)
    assert updated is not None and message_text(updated) == "new body" and updated["text"] == "new"

    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert _error(exc) == "message_not_found"

    client.chat_delete(channel=CHANNEL, ts=ts)
    assert fake.messages(CHANNEL) == []


_LONG = "x" * 3001


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([_section("a")] * 51, "/blocks"),
        ([_section(_LONG)], "/blocks/0/text/text"),
        ([{"type": "actions", "elements": [_button(value="v" * 2001)]}], "/blocks/0/elements/0/value"),
        ([{"type": "actions", "elements": [_button(action_id="a" * 256)]}], "/blocks/0/elements/0/action_id"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
        ([{"text": {"type": "mrkdwn", "text": "no type"}}], "/blocks/0"),
    ],
)
def test_invalid_blocks_are_rejected_like_slack(client: WebClient, blocks: list[Any], pointer: str) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)
    assert _error(exc) == "invalid_blocks"
    assert any(pointer in m for m in exc.value.response["response_metadata"]["messages"])


def test_message_text_limit(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=CHANNEL, text="x" * 40_001)
    assert _error(exc) == "msg_too_long"


def test_block_limits_at_the_boundary_pass() -> None:
    ok = [_section("x" * 3000), {"type": "actions", "elements": [_button(value="v" * 2000)]}] * 25
    assert validate_blocks(ok) == []


def test_views_validate_blocks_and_trigger_ids(client: WebClient, fake: FakeSlack) -> None:
    modal = {
        "type": "modal",
        "callback_id": "draft_modal",
        "private_metadata": "tweet:1",
        "title": {"type": "plain_text", "text": "Draft"},
        "blocks": [
            {
                "type": "input",
                "block_id": "draft",
                "label": {"type": "plain_text", "text": "Reply"},
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 3001},
            }
        ],
    }
    trigger = fake.new_trigger_id()
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal)
    assert _error(exc) == "invalid_arguments"
    assert "/view/blocks/0/element/max_length" in exc.value.response["response_metadata"]["messages"][0]

    modal["blocks"][0]["element"]["max_length"] = 280  # type: ignore[index]
    opened = client.views_open(trigger_id=trigger, view=modal)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "draft_modal"
    assert fake.views_opened[0]["private_metadata"] == "tweet:1"

    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal)
    assert _error(exc) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="123.abc", view=modal)
    assert _error(exc) == "invalid_trigger_id"

    client.views_update(view_id=opened["id"], view={**modal, "private_metadata": "tweet:2"})
    assert fake.views_updated[-1]["private_metadata"] == "tweet:2"
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id="V404", view=modal)
    assert _error(exc) == "not_found"

    too_many = {"type": "home", "blocks": [_section("s")] * 101}
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U0AGENT", view=too_many)
    client.views_publish(user_id="U0AGENT", view={"type": "home", "blocks": [_section("s")] * 100})
    home = fake.home_view("U0AGENT")
    assert home is not None and len(home["blocks"]) == 100


def test_expired_trigger_id(client: WebClient, fake: FakeSlack) -> None:
    fake.trigger_ttl = 0.0
    trigger = fake.new_trigger_id()
    time.sleep(0.01)
    with pytest.raises(SlackApiError) as exc:
        client.views_open(
            trigger_id=trigger, view={"type": "modal", "title": {"type": "plain_text", "text": "t"}}
        )
    assert _error(exc) == "expired_trigger_id"


def test_lookups_ephemerals_and_reactions(client: WebClient, fake: FakeSlack) -> None:
    fake.add_usergroup("S0AGENTS", ["U0AGENT", "U0BOB"])
    assert client.users_info(user="U0AGENT")["user"]["real_name"] == "Alice Agent"
    assert client.usergroups_users_list(usergroup="S0AGENTS")["users"] == ["U0AGENT", "U0BOB"]
    for call, error in [
        (lambda: client.users_info(user="U404"), "user_not_found"),
        (lambda: client.usergroups_users_list(usergroup="S404"), "no_such_subteam"),
    ]:
        with pytest.raises(SlackApiError) as exc:
            call()
        assert _error(exc) == error

    eph = client.chat_postEphemeral(channel=CHANNEL, user="U0AGENT", text="only you")
    assert eph["message_ts"] and [e["text"] for e in fake.ephemerals("U0AGENT")] == ["only you"]
    assert fake.ephemerals("U0BOB") == []

    ts = client.chat_postMessage(channel=CHANNEL, text="card")["ts"]
    client.reactions_add(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    with pytest.raises(SlackApiError) as exc:
        client.reactions_add(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    assert _error(exc) == "already_reacted"
    message = fake.message(CHANNEL, ts)
    assert message is not None and message["reactions"][0]["count"] == 1


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack) -> None:
    fake.rate_limit_per_channel(per_second=1.0, burst=2)
    url = f"{fake.api_url}chat.postMessage"
    auth = {"Authorization": "Bearer xoxb-test"}
    statuses = [
        requests.post(url, json={"channel": CHANNEL, "text": str(i)}, headers=auth, timeout=5)
        for i in range(3)
    ]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].headers["Retry-After"] == "1"
    assert statuses[2].json() == {"ok": False, "error": "ratelimited"}
    other = requests.post(url, json={"channel": "C0OTHER", "text": "x"}, headers=auth, timeout=5)
    assert other.status_code == 200  # the limit is per channel
    assert len(fake.messages(CHANNEL)) == 2


def test_rate_limit_retry_handler_retries_then_succeeds(fake: FakeSlack) -> None:
    fake.rate_limit_per_channel(per_second=5.0, burst=1)
    retrying = WebClient(token="xoxb-test", base_url=fake.api_url)
    retrying.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    retrying.chat_postMessage(channel=CHANNEL, text="one")
    resp = retrying.chat_postMessage(channel=CHANNEL, text="two")
    assert resp["ok"] is True
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["one", "two"]
    assert len(fake.calls("chat.postMessage")) == 3  # one 429, then the retry


def test_plain_client_surfaces_ratelimited(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", error="ratelimited", status=429)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert exc.value.response.status_code == 429 and exc.value.response.headers["Retry-After"] == "1"


def test_fail_next_and_delay_next(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable", count=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel=CHANNEL, text="x")
        assert exc.value.response.status_code == 503
    assert client.chat_postMessage(channel=CHANNEL, text="x")["ok"] is True

    fake.delay_next("users.info", 0.3)
    start = time.perf_counter()
    client.users_info(user="U0AGENT")
    assert time.perf_counter() - start >= 0.3


def test_files_upload_v2_flow(client: WebClient, fake: FakeSlack) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="card")["ts"]
    resp = client.files_upload_v2(
        content=b"\x89PNG fake chart",
        filename="chart.png",
        title="Mentions this week",
        channel=CHANNEL,
        thread_ts=parent,
        initial_comment="Here is the chart",
    )
    assert resp["file"]["title"] == "Mentions this week"
    [uploaded] = fake.files
    assert uploaded.content == b"\x89PNG fake chart"
    assert (uploaded.title, uploaded.channel_id, uploaded.thread_ts) == (
        "Mentions this week",
        CHANNEL,
        parent,
    )
    assert uploaded.initial_comment == "Here is the chart"
    [share] = fake.thread(CHANNEL, parent)
    assert share["files"][0]["id"] == uploaded.id and share["text"] == "Here is the chart"


def test_response_url_replaces_the_original_message(client: WebClient, fake: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="card", blocks=[_section("pending")])["ts"]
    url = fake.response_url("r1", channel=CHANNEL, message_ts=ts, user="U0AGENT")
    webhook = WebhookClient(url)
    assert webhook.send(text="done", blocks=[_section("approved")], replace_original=True).status_code == 200
    assert webhook.send(text="just for you").status_code == 200
    assert webhook.send(blocks=[_section(_LONG)]).status_code == 400
    message = fake.message(CHANNEL, ts)
    assert message is not None and message_text(message) == "approved"
    assert [r.body.get("text") for r in fake.responses("r1")] == ["done", "just for you"]
    assert [e["text"] for e in fake.ephemerals("U0AGENT")] == ["just for you"]


def test_form_encoded_json_fields_are_parsed(fake: FakeSlack) -> None:
    blocks = json.dumps([_section("from a form")])
    resp = requests.post(
        f"{fake.api_url}chat.postMessage",
        data={"channel": CHANNEL, "text": "t", "blocks": blocks},
        headers={"Authorization": "Bearer xoxb-test"},
        timeout=5,
    )
    assert resp.json()["ok"] is True
    assert message_text(fake.messages(CHANNEL)[0]) == "from a form"


def test_message_text_and_find_button() -> None:
    message = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "New mention"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*From* @ann"}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 min ago"}]},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": "hi "}, {"type": "user", "user_id": "U1"}],
                    }
                ],
            },
            {"type": "actions", "block_id": "card", "elements": [_button("approve", "42", "Approve")]},
        ]
    }
    assert message_text(message) == "New mention\n*From* @ann\n2 min ago\nhi <@U1>\nApprove"
    assert find_button(message, "approve")["value"] == "42"
    with pytest.raises(LookupError, match="approve"):
        find_button(message, "reject")


def test_upload_url_accepts_multipart_like_curl_dash_f(client: WebClient, fake: FakeSlack) -> None:
    got = client.files_getUploadURLExternal(filename="notes.txt", length=5)
    assert got["file_id"].startswith("F")
    sent = requests.post(str(got["upload_url"]), files={"filename": ("notes.txt", b"hello")}, timeout=5)
    assert sent.status_code == 200
    client.files_completeUploadExternal(files=[{"id": got["file_id"], "title": "Notes"}])
    assert [(f.title, f.content, f.channel_id) for f in fake.files] == [("Notes", b"hello", None)]
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": "F404"}])
    assert _error(exc) == "file_not_found"
    assert [c.method for c in fake.calls()][-3:] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.completeUploadExternal",
    ]
