"""FakeX itself, over raw HTTP: X's documented shapes, status codes, auth rules, search and billing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from slackbridge.testing.fake_x import APP_ONLY_FORBIDDEN, FakeX


def _bearer(fake: FakeX) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.bearer_token}"}


def _oauth(fake: FakeX) -> OAuth1:
    return OAuth1(fake.api_key, fake.api_secret, fake.access_token, fake.access_token_secret)


def _get(fake: FakeX, path: str, **params: Any) -> requests.Response:
    return requests.get(fake.url + path, params=params, headers=_bearer(fake), timeout=5)


def test_no_auth_is_401_and_bearer_on_user_context_endpoint_is_403(fake_x: FakeX) -> None:
    anonymous = requests.get(fake_x.url + "/2/users/me", timeout=5)
    app_only = requests.get(
        fake_x.url + f"/2/users/{fake_x.brand_id}/mentions", headers=_bearer(fake_x), timeout=5
    )
    forged = requests.get(
        fake_x.url + "/2/users/me",
        auth=OAuth1(fake_x.api_key, "wrong", fake_x.access_token, fake_x.access_token_secret),
        timeout=5,
    )

    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }
    assert app_only.status_code == 403
    assert app_only.json() == {
        "title": "Unsupported Authentication",
        "detail": APP_ONLY_FORBIDDEN,
        "type": "https://api.twitter.com/2/problems/unsupported-authentication",
        "status": 403,
    }
    assert forged.status_code == 401
    assert [r.auth for r in fake_x.requests] == [None, "bearer", "oauth1"]


def test_unknown_tweet_is_200_with_errors_like_x(fake_x: FakeX) -> None:
    answer = _get(fake_x, "/2/tweets/1799999999999999999")

    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [
            {
                "value": "1799999999999999999",
                "detail": "Could not find tweet with id: [1799999999999999999].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "id",
                "resource_id": "1799999999999999999",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


def test_fields_and_includes_only_when_asked_and_text_is_entity_encoded(fake_x: FakeX) -> None:
    tweet_id = fake_x.add_tweet("amy", "fish & chips <3")

    bare = _get(fake_x, f"/2/tweets/{tweet_id}").json()
    rich = _get(
        fake_x,
        f"/2/tweets/{tweet_id}",
        expansions="author_id",
        **{"tweet.fields": "created_at,lang", "user.fields": "public_metrics"},
    ).json()

    assert bare == {
        "data": {"id": tweet_id, "text": "fish &amp; chips &lt;3", "edit_history_tweet_ids": [tweet_id]}
    }
    assert rich["data"]["lang"] == "en"
    assert rich["data"]["created_at"].endswith("Z") and len(rich["data"]["created_at"]) == 24
    assert "author_id" not in rich["data"]
    author = rich["includes"]["users"][0]
    assert set(author) == {"id", "name", "username", "public_metrics"}
    assert author["username"] == "amy"


def test_empty_timeline_and_max_results_bounds(fake_x: FakeX) -> None:
    auth = _oauth(fake_x)
    url = fake_x.url + f"/2/users/{fake_x.brand_id}/mentions"

    empty = requests.get(url, auth=auth, timeout=5)
    too_small = requests.get(url, params={"max_results": 4}, auth=auth, timeout=5)
    search_small = _get(fake_x, "/2/tweets/search/recent", query="hi", max_results=5)

    assert empty.json() == {"meta": {"result_count": 0}}
    assert too_small.status_code == 400
    assert too_small.json()["errors"][0]["message"] == (
        "The `max_results` query parameter value [4] is not between 5 and 100"
    )
    assert search_small.status_code == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("router", ["r1", "r2", "rt"]),
        ("router broken", ["r1"]),
        ('"router is broken"', ["r1"]),
        ("broken OR slow", ["r1", "r2", "rt"]),
        ("router -broken", ["r2", "rt"]),
        ("router -is:retweet", ["r1", "r2"]),
        ("from:bo", ["r2"]),
        ("to:al", ["r2"]),
        ("@acme router", ["r1"]),
        ("lang:de", ["de"]),
        ("(broken OR slow) from:al", ["r1"]),
        ("#outage", ["de"]),
    ],
)
def test_search_query_operators(fake_x: FakeX, query: str, expected: list[str]) -> None:
    names = {"r1": fake_x.add_tweet("al", "@acme my router is broken")}
    names["r2"] = fake_x.add_tweet("bo", "@al router slow here too", in_reply_to=names["r1"])
    names["de"] = fake_x.add_tweet("cy", "Netz weg #Outage", lang="de")
    names["rt"] = fake_x.add_tweet("dee", "RT @bo: router slow here too", retweet_of=names["r2"])
    by_id = {v: k for k, v in names.items()}

    answer = _get(fake_x, "/2/tweets/search/recent", query=query).json()

    assert sorted(by_id[t["id"]] for t in answer.get("data", [])) == sorted(expected)


def test_search_rejects_unknown_operator_and_skips_posts_older_than_7_days(fake_x: FakeX) -> None:
    fake_x.add_tweet("ed", "old outage", created_at=datetime.now(UTC) - timedelta(days=8))
    fresh = fake_x.add_tweet("ed", "new outage")

    bad = _get(fake_x, "/2/tweets/search/recent", query="outage bogus:op")
    good = _get(fake_x, "/2/tweets/search/recent", query="outage").json()

    assert bad.status_code == 400
    assert [t["id"] for t in good["data"]] == [fresh]


def test_reply_rules_and_created_shape(fake_x: FakeX) -> None:
    asked = fake_x.mention("fay", "@ACME hello")  # mentions are case-insensitive
    unrelated = fake_x.add_tweet("fay", "hello world")
    url = fake_x.url + "/2/tweets"

    created = requests.post(
        url, json={"text": "hi Fay", "reply": {"in_reply_to_tweet_id": asked}}, auth=_oauth(fake_x), timeout=5
    )
    refused = requests.post(
        url,
        json={"text": "hi again", "reply": {"in_reply_to_tweet_id": unrelated}},
        auth=_oauth(fake_x),
        timeout=5,
    )
    app_only = requests.post(url, json={"text": "x"}, headers=_bearer(fake_x), timeout=5)

    assert created.status_code == 201
    new_id = created.json()["data"]["id"]
    assert created.json() == {"data": {"id": new_id, "text": "hi Fay", "edit_history_tweet_ids": [new_id]}}
    assert int(new_id) > int(unrelated)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Reply to this conversation is not allowed")
    assert app_only.status_code == 403
    assert [p["id"] for p in fake_x.posted()] == [new_id]


def test_rate_limit_headers_on_every_answer(fake_x: FakeX) -> None:
    answer = _get(fake_x, "/2/tweets/search/recent", query="anything")

    assert answer.headers["x-rate-limit-limit"] == "450"
    assert answer.headers["x-rate-limit-remaining"] == "449"
    assert int(answer.headers["x-rate-limit-reset"]) > datetime.now(UTC).timestamp()


def test_billing_meter_follows_pay_per_use_prices() -> None:
    day = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    now = [day]
    with FakeX(clock=lambda: now[0]) as fake:
        mention = fake.mention("gus", "@acme help")
        other = fake.add_tweet("gus", "just a post")
        auth = _oauth(fake)
        mentions_url = fake.url + f"/2/users/{fake.brand_id}/mentions"

        requests.get(mentions_url, auth=auth, timeout=5)  # own mention: $0.001
        _get(fake, f"/2/tweets/{mention}")  # same post, same UTC day: free
        _get(fake, f"/2/tweets/{other}")  # other read: $0.005
        assert fake.cost_usd == pytest.approx(0.006)
        assert fake.reads == 3

        now[0] = day + timedelta(days=1)
        _get(fake, f"/2/tweets/{other}")  # a new UTC day: charged again
        brand_post = fake.add_tweet("acme", "sale!")
        quote = fake.add_tweet("gus", "nice", quote_of=brand_post)
        post = fake.url + "/2/tweets"
        requests.post(
            post, json={"text": "thanks", "reply": {"in_reply_to_tweet_id": mention}}, auth=auth, timeout=5
        )
        requests.post(post, json={"text": "plain post"}, auth=auth, timeout=5)
        requests.post(post, json={"text": "see https://acme.example/help"}, auth=auth, timeout=5)
        requests.post(
            post,
            json={"text": "glad you like it", "reply": {"in_reply_to_tweet_id": quote}},
            auth=auth,
            timeout=5,
        )

        # summoned reply $0.01, plain post $0.015, post with URL $0.20, reply to a quote $0.01
        assert fake.cost_usd == pytest.approx(0.006 + 0.005 + 0.01 + 0.015 + 0.20 + 0.01)
        assert fake.writes == 4
