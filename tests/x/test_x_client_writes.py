"""XClient writes against FakeX: replies under X's rules, duplicates, deletes, ambiguous outcomes."""

from __future__ import annotations

import pytest

from slackbridge.testing.fake_x import DUPLICATE, REPLY_NOT_ALLOWED, FakeX, XCredentials
from slackbridge.x.client import XClient
from slackbridge.x.types import XError, XErrorKind


def test_post_reply_creates_a_reply_with_user_auth(fake_x: FakeX, x_client: XClient) -> None:
    asked = fake_x.mention("quinn", "@acme is the app down?")

    posted = x_client.post_reply("Hi Quinn, we're on it & will update you <soon>.", asked)

    assert posted.text == "Hi Quinn, we're on it & will update you <soon>."
    assert fake_x.posted() == [
        {
            "id": posted.id,
            "text": "Hi Quinn, we're on it & will update you <soon>.",
            "in_reply_to_tweet_id": asked,
            "created_at": fake_x.tweet(posted.id)["created_at"],  # type: ignore[index]
            "deleted": False,
        }
    ]
    request = fake_x.requests[-1]
    assert (request.method, request.path, request.auth) == ("POST", "/2/tweets", "oauth1")
    assert request.body == {
        "text": "Hi Quinn, we're on it & will update you <soon>.",
        "reply": {"in_reply_to_tweet_id": asked},
    }
    assert fake_x.tweet(posted.id)["conversation_id"] == asked  # type: ignore[index]


def test_reply_without_being_mentioned_is_not_allowed(fake_x: FakeX, x_client: XClient) -> None:
    unrelated = fake_x.add_tweet("rita", "my phone battery is terrible")

    with pytest.raises(XError) as caught:
        x_client.post_reply("Try our charger!", unrelated)

    error = caught.value
    assert error.kind is XErrorKind.NOT_ALLOWED
    assert error.status == 403
    assert error.ambiguous is False
    assert error.message == f"X does not allow this reply: {REPLY_NOT_ALLOWED}"
    assert fake_x.posted() == []


def test_reply_to_a_post_quoting_the_brand_is_allowed(fake_x: FakeX, x_client: XClient) -> None:
    brand_post = fake_x.add_tweet("acme", "Spring sale starts now")
    quote = fake_x.add_tweet("sam", "is this for real?", quote_of=brand_post)

    posted = x_client.post_reply("It is, Sam!", quote)

    assert [p["id"] for p in fake_x.posted()] == [posted.id]


def test_duplicate_reply_is_not_allowed(fake_x: FakeX, x_client: XClient) -> None:
    first = fake_x.mention("tina", "@acme help 1")
    second = fake_x.mention("uma", "@acme help 2")
    x_client.post_reply("Please DM us your order number.", first)

    with pytest.raises(XError) as caught:
        x_client.post_reply("Please DM us your order number.", second)

    assert caught.value.kind is XErrorKind.NOT_ALLOWED
    assert DUPLICATE in caught.value.message
    assert len(fake_x.posted()) == 1


def test_too_long_reply_is_a_bad_request(fake_x: FakeX, x_client: XClient) -> None:
    asked = fake_x.mention("vic", "@acme hello")

    with pytest.raises(XError) as caught:
        x_client.post_reply("é" * 281, asked)

    assert caught.value.kind is XErrorKind.BAD_REQUEST
    assert caught.value.status == 400
    assert "too long" in caught.value.message
    assert fake_x.posted() == []


def test_server_error_on_post_is_ambiguous_transient(fake_x: FakeX, x_client: XClient) -> None:
    asked = fake_x.mention("walt", "@acme refund please")
    fake_x.fail_next("/2/tweets", 503, method="POST", process=True)

    with pytest.raises(XError) as caught:
        x_client.post_reply("Refund issued, Walt.", asked)

    error = caught.value
    assert (error.kind, error.status, error.ambiguous) == (XErrorKind.TRANSIENT, 503, True)
    assert "may have gone out" in error.message
    # It did go out, and the client can find it:
    assert [p["text"] for p in fake_x.posted()] == ["Refund issued, Walt."]
    own = x_client.recent_own_tweets(fake_x.brand_id, start_time=fake_x.tweet(asked)["created_at"])  # type: ignore[index]
    assert [t.text for t in own] == ["Refund issued, Walt."]


def test_server_error_on_read_is_not_ambiguous(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.fail_next("/2/users/", 500)

    with pytest.raises(XError) as caught:
        x_client.mentions(fake_x.brand_id)

    assert (caught.value.kind, caught.value.status, caught.value.ambiguous) == (
        XErrorKind.TRANSIENT,
        500,
        False,
    )


def test_read_timeout_on_post_is_ambiguous(fake_x: FakeX) -> None:
    client = XClient(base_url=fake_x.url, timeout=(2.0, 0.3), **_creds(fake_x))
    asked = fake_x.mention("xena", "@acme hi")
    fake_x.delay_next("/2/tweets", 1.5, method="POST")

    with pytest.raises(XError) as caught:
        client.post_reply("Hello Xena!", asked)

    assert (caught.value.kind, caught.value.status, caught.value.ambiguous) == (
        XErrorKind.TRANSIENT,
        None,
        True,
    )
    assert [p["text"] for p in fake_x.posted()] == ["Hello Xena!"]


def test_read_timeout_on_read_is_transient_not_ambiguous(fake_x: FakeX) -> None:
    client = XClient(base_url=fake_x.url, timeout=(2.0, 0.3), **_creds(fake_x))
    fake_x.delay_next("/2/users/me", 1.5)

    with pytest.raises(XError) as caught:
        client.me()

    assert (caught.value.kind, caught.value.ambiguous) == (XErrorKind.TRANSIENT, False)
    assert "did not answer in time" in caught.value.message


def test_connection_refused_is_transient_and_not_ambiguous() -> None:
    with FakeX() as fake:
        creds = _creds(fake)
        url = fake.url
    client = XClient(base_url=url, timeout=(1.0, 1.0), **creds)

    with pytest.raises(XError) as caught:
        client.post_reply("hello", "1800000000000000000")

    assert (caught.value.kind, caught.value.ambiguous) == (XErrorKind.TRANSIENT, False)
    assert url.removeprefix("http://") in caught.value.message


def test_connection_dropped_after_sending_a_post_is_ambiguous(fake_x: FakeX, x_client: XClient) -> None:
    asked = fake_x.mention("yan", "@acme hi")
    fake_x.delay_next("/2/tweets", 0.1, method="POST", process=False)  # hang up without answering

    with pytest.raises(XError) as caught:
        x_client.post_reply("Hello Yan!", asked)

    assert (caught.value.kind, caught.value.ambiguous) == (XErrorKind.TRANSIENT, True)
    # Here it did not go out, and the check a caller makes says so:
    own = x_client.recent_own_tweets(fake_x.brand_id, start_time=fake_x.tweet(asked)["created_at"])  # type: ignore[index]
    assert own == []


def test_delete_tweet(fake_x: FakeX, x_client: XClient) -> None:
    asked = fake_x.mention("yara", "@acme hi")
    posted = x_client.post_reply("Oops, wrong reply", asked)

    x_client.delete_tweet(posted.id)

    assert fake_x.posted()[0]["deleted"] is True
    assert fake_x.requests[-1].method == "DELETE"
    with pytest.raises(XError) as caught:
        x_client.get_tweet(posted.id)
    assert caught.value.kind is XErrorKind.NOT_FOUND


def test_delete_someone_elses_post_is_not_allowed(fake_x: FakeX, x_client: XClient) -> None:
    theirs = fake_x.mention("zed", "@acme hi")

    with pytest.raises(XError) as caught:
        x_client.delete_tweet(theirs)

    assert caught.value.kind is XErrorKind.NOT_ALLOWED
    assert fake_x.tweet(theirs)["deleted"] is False  # type: ignore[index]


def _creds(fake: FakeX) -> XCredentials:
    return fake.credentials()
