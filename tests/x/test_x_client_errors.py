"""XClient error mapping, base URL rewrite and secret hygiene, against FakeX over HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from slackbridge.testing.fake_x import FakeX
from slackbridge.x.client import BaseUrlSession, XClient
from slackbridge.x.types import XError, XErrorKind


def test_rate_limited_carries_retry_at_from_reset_header(fake_x: FakeX, x_client: XClient) -> None:
    reset = int(time.time()) + 420
    fake_x.fail_next("/2/users/", 429, headers={"x-rate-limit-reset": str(reset)})

    with pytest.raises(XError) as caught:
        x_client.mentions(fake_x.brand_id)

    error = caught.value
    assert (error.kind, error.status, error.ambiguous) == (XErrorKind.RATE_LIMITED, 429, False)
    assert error.retry_at == datetime.fromtimestamp(reset, UTC)
    # A clock time in UTC would be wrong for most readers: the wait is said in minutes.
    assert "try again in about 7 minutes" in error.message and "UTC" not in error.message


def test_rate_limited_without_reset_header_waits_a_minute(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.fail_next("/2/tweets/search", 429, headers={})

    with pytest.raises(XError) as caught:
        x_client.search_recent("anything")

    assert caught.value.kind is XErrorKind.RATE_LIMITED
    assert caught.value.retry_at is not None
    wait = caught.value.retry_at - datetime.now(UTC)
    assert timedelta(seconds=55) < wait <= timedelta(seconds=60)


def test_fake_enforces_x_rate_limits(fake_x: FakeX, x_secrets: dict[str, Any]) -> None:
    for _ in range(75):  # GET /2/users/me allows 75 calls per 15 minutes; a new client skips the cache
        XClient(base_url=fake_x.url, **x_secrets).me()

    with pytest.raises(XError) as caught:
        XClient(base_url=fake_x.url, **x_secrets).me()

    assert caught.value.kind is XErrorKind.RATE_LIMITED
    assert caught.value.retry_at is not None
    assert timedelta(0) < caught.value.retry_at - datetime.now(UTC) <= timedelta(minutes=15)


def test_wrong_keys_map_to_auth(fake_x: FakeX, x_secrets: dict[str, Any]) -> None:
    client = XClient(
        base_url=fake_x.url,
        api_key=x_secrets["api_key"],
        api_secret="not-the-right-secret",
        access_token=x_secrets["access_token"],
        access_token_secret=x_secrets["access_token_secret"],
    )

    with pytest.raises(XError) as caught:
        client.me()

    assert (caught.value.kind, caught.value.status) == (XErrorKind.AUTH, 401)
    assert caught.value.message.startswith("X rejected the credentials: check X_API_KEY")


def test_wrong_bearer_token_maps_to_auth(fake_x: FakeX, x_secrets: dict[str, Any]) -> None:
    client = XClient(base_url=fake_x.url, **{**x_secrets, "bearer_token": "some-other-bearer"})
    tweet_id = fake_x.add_tweet("ann", "hi")

    with pytest.raises(XError) as caught:
        client.get_tweet(tweet_id)

    assert caught.value.kind is XErrorKind.AUTH


def test_invalid_max_results_is_bad_request(fake_x: FakeX, x_client: XClient) -> None:
    with pytest.raises(XError) as caught:
        x_client.mentions(fake_x.brand_id, max_results=3)

    assert (caught.value.kind, caught.value.status) == (XErrorKind.BAD_REQUEST, 400)
    assert "is not between 5 and 100" in caught.value.message


def test_not_found_status_maps_to_not_found(fake_x: FakeX, x_client: XClient) -> None:
    with pytest.raises(XError) as caught:
        x_client.delete_tweet("1799999999999999999")

    assert (caught.value.kind, caught.value.status, caught.value.ambiguous) == (
        XErrorKind.NOT_FOUND,
        404,
        False,
    )


def test_requests_go_to_base_url_and_are_signed_for_it(fake_x: FakeX, x_secrets: dict[str, Any]) -> None:
    # A trailing slash on base_url must not produce '//2/...'; the fake checks every OAuth signature
    # against the URL it was reached at, so a success proves signing happened after the rewrite.
    client = XClient(base_url=fake_x.url + "/", **x_secrets)
    asked = fake_x.mention("bea", "@acme hi")

    client.me()
    client.mentions(fake_x.brand_id)
    client.post_reply("hello Bea", asked)
    client.get_tweet(asked)

    seen = fake_x.requests
    assert [(r.method, r.path) for r in seen] == [
        ("GET", "/2/users/me"),
        ("GET", f"/2/users/{fake_x.brand_id}/mentions"),
        ("POST", "/2/tweets"),
        ("GET", f"/2/tweets/{asked}"),
    ]
    assert {r.host for r in seen} == {fake_x.url.removeprefix("http://")}


def test_base_url_session_rewrites_only_tweepy_host_and_sets_timeout() -> None:
    session = BaseUrlSession("https://proxy.example/x-api/", (1.0, 2.0))
    captured: list[tuple[str, object]] = []

    def fake_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        captured.append((str(request.url), kwargs.get("timeout")))
        raise ConnectionAbortedError("stop here")

    session.send = fake_send  # type: ignore[method-assign]
    for url in ("https://api.twitter.com/2/users/me?x=1", "https://elsewhere.example/a"):
        with pytest.raises(ConnectionAbortedError):
            session.request("GET", url)

    assert captured == [
        ("https://proxy.example/x-api/2/users/me?x=1", (1.0, 2.0)),
        ("https://elsewhere.example/a", (1.0, 2.0)),
    ]


def test_no_secret_in_errors_or_logs(
    fake_x: FakeX, x_secrets: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # root: slackbridge, tweepy, requests, urllib3, oauthlib all at DEBUG
    client = XClient(base_url=fake_x.url, **x_secrets)
    asked = fake_x.mention("cy", "@acme hi")
    unrelated = fake_x.add_tweet("cy", "no mention")
    client.me()
    client.mentions(fake_x.brand_id)
    client.search_recent("hi")
    client.get_tweets([asked, unrelated])
    client.post_reply("hello Cy", asked)
    failing: list[tuple[tuple[str, int] | None, Callable[[], object]]] = [
        (None, lambda: client.post_reply("nope", unrelated)),
        (("/2/tweets", 503), lambda: client.post_reply("again", asked)),
        (("/2/tweets/search", 429), lambda: client.search_recent("hi")),
        (("/2/users/by", 401), lambda: client.user_by_username("cy")),
        (None, lambda: client.get_tweet("1799999999999999999")),
        (None, lambda: client.mentions(fake_x.brand_id, max_results=1000)),
    ]
    errors: list[XError] = []
    for inject, call in failing:
        if inject:
            fake_x.fail_next(*inject)
        with pytest.raises(XError) as caught:
            call()
        errors.append(caught.value)

    assert [e.kind for e in errors] == [
        XErrorKind.NOT_ALLOWED,
        XErrorKind.TRANSIENT,
        XErrorKind.RATE_LIMITED,
        XErrorKind.AUTH,
        XErrorKind.NOT_FOUND,
        XErrorKind.BAD_REQUEST,
    ]
    assert "Making API request" in caplog.text  # tweepy's DEBUG lines were captured
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("slackbridge"))
    assert "x.request" in ours
    for secret in x_secrets.values():
        assert secret not in ours
        for error in errors:
            assert secret not in str(error)
            assert secret not in repr(error)
            assert all(secret not in d for d in error.details)
    # oauthlib logs the consumer key and access token (public identifiers sent in every OAuth header) at
    # DEBUG; the secrets themselves must not appear in any library's log, tweepy's bearer line included.
    for name in ("api_secret", "access_token_secret", "bearer_token"):
        assert x_secrets[name] not in caplog.text
