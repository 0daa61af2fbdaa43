"""XClient reads against FakeX over HTTP: fields, expansions, decoding, pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slackbridge.testing.fake_x import FakeX
from slackbridge.x.client import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, XClient
from slackbridge.x.types import XError, XErrorKind, XUser


def test_me_maps_the_brand_account_and_is_cached(fake_x: FakeX, x_client: XClient) -> None:
    me = x_client.me()
    again = x_client.me()

    assert me == again
    assert me == XUser(
        id=fake_x.brand_id,
        username="acme",
        name="Acme Support",
        followers_count=1200,
        verified=True,
        profile_image_url=fake_x.brand["profile_image_url"],
    )
    calls = [r for r in fake_x.requests if r.path == "/2/users/me"]
    assert len(calls) == 1
    assert calls[0].auth == "oauth1"


def test_mentions_map_fields_authors_and_decode_entities(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.add_user("carol", "Carol C", followers=4321, verified=True)
    original = fake_x.add_tweet("acme", "Our new plan is live")
    quoted = fake_x.add_tweet("dave", "look at this", quote_of=original)
    reply_id = fake_x.mention("carol", "@acme my order <#123> & refund?", in_reply_to=quoted, lang="fr")

    page = x_client.mentions(fake_x.brand_id)

    assert [t.id for t in page.tweets] == [reply_id]
    tweet = page.tweets[0]
    assert tweet.text == "@acme my order <#123> & refund?"
    assert tweet.in_reply_to_tweet_id == quoted
    assert tweet.conversation_id == quoted  # a reply joins its parent's conversation
    assert tweet.quoted_tweet_id is None
    assert tweet.is_retweet is False
    assert tweet.lang == "fr"
    assert tweet.created_at.tzinfo is not None and tweet.created_at.utcoffset() == timedelta(0)
    assert abs(tweet.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert tweet.author == XUser(
        id=tweet.author_id,
        username="carol",
        name="Carol C",
        followers_count=4321,
        verified=True,
        profile_image_url=fake_x.user("carol")["profile_image_url"],  # type: ignore[index]
    )
    sent = next(r for r in fake_x.requests if r.path.endswith("/mentions"))
    assert sent.auth == "oauth1"
    assert sent.query["expansions"] == ",".join(EXPANSIONS)
    assert sent.query["tweet.fields"] == ",".join(TWEET_FIELDS)
    assert sent.query["user.fields"] == ",".join(USER_FIELDS)


def test_quotes_and_retweets_are_recognised(fake_x: FakeX, x_client: XClient) -> None:
    brand_post = fake_x.add_tweet("acme", "Big launch today")
    quote = fake_x.mention("erin", "@acme love it", quote_of=brand_post)
    retweet = fake_x.add_tweet("frank", "RT @erin: @acme love it", retweet_of=quote)

    tweets = {t.id: t for t in x_client.mentions(fake_x.brand_id).tweets}

    assert tweets[quote].quoted_tweet_id == brand_post
    assert tweets[quote].is_retweet is False
    assert tweets[retweet].is_retweet is True
    assert tweets[retweet].quoted_tweet_id is None


def test_mentions_paginate_newest_first_and_since_id(fake_x: FakeX, x_client: XClient) -> None:
    ids = [fake_x.mention("gina", f"question number {n}") for n in range(12)]

    first = x_client.mentions(fake_x.brand_id, max_results=5)
    second = x_client.mentions(fake_x.brand_id, max_results=5, pagination_token=first.next_token)
    third = x_client.mentions(fake_x.brand_id, max_results=5, pagination_token=second.next_token)

    newest_first = list(reversed(ids))
    assert [t.id for t in first.tweets] == newest_first[:5]
    assert first.newest_id == newest_first[0]
    assert [t.id for t in second.tweets] == newest_first[5:10]
    assert [t.id for t in third.tweets] == newest_first[10:]
    assert third.next_token is None

    newer = fake_x.mention("gina", "one more")
    since = x_client.mentions(fake_x.brand_id, since_id=ids[-1])
    assert [t.id for t in since.tweets] == [newer]
    assert since.newest_id == newer


def test_empty_mentions_page(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.add_tweet("hank", "nothing about the brand here")

    page = x_client.mentions(fake_x.brand_id)

    assert page.tweets == []
    assert page.newest_id is None
    assert page.next_token is None


def test_get_tweet_uses_bearer_and_reports_deleted_posts_as_not_found(
    fake_x: FakeX, x_client: XClient
) -> None:
    tweet_id = fake_x.mention("ivy", "@acme where is my parcel")

    assert x_client.get_tweet(tweet_id).text == "@acme where is my parcel"
    assert fake_x.requests[-1].auth == "bearer"

    fake_x.delete(tweet_id)
    with pytest.raises(XError) as caught:
        x_client.get_tweet(tweet_id)
    assert caught.value.kind is XErrorKind.NOT_FOUND
    assert tweet_id in str(caught.value)
    assert any("Could not find tweet" in d for d in caught.value.details)


def test_reads_fall_back_to_user_auth_without_bearer(fake_x: FakeX, user_only_client: XClient) -> None:
    tweet_id = fake_x.add_tweet("jack", "hello")

    user_only_client.get_tweet(tweet_id)
    user_only_client.search_recent("hello")
    user_only_client.user_by_username("jack")

    assert [r.auth for r in fake_x.requests] == ["oauth1", "oauth1", "oauth1"]


def test_get_tweets_batches_by_100_and_skips_deleted(fake_x: FakeX, x_client: XClient) -> None:
    ids = [fake_x.add_tweet("kim", f"post {n}") for n in range(150)]
    fake_x.delete(ids[3])
    fake_x.delete(ids[120])

    found = x_client.get_tweets(ids)

    assert [t.id for t in found] == [i for i in ids if i not in (ids[3], ids[120])]
    lookups = [r for r in fake_x.requests if r.path == "/2/tweets"]
    assert [len(r.query["ids"].split(",")) for r in lookups] == [100, 50]
    assert all(t.author is not None and t.author.username == "kim" for t in found)


def test_search_recent_conversation_and_operators(fake_x: FakeX, x_client: XClient) -> None:
    root = fake_x.mention("lena", "@acme my router keeps dropping")
    follow_up = fake_x.add_tweet("lena", "@acme still broken", in_reply_to=root)
    other = fake_x.add_tweet("mo", "@lena same here", in_reply_to=root)
    fake_x.add_tweet("mo", "unrelated router talk")

    conversation = x_client.search_recent(f"conversation_id:{root}")
    from_lena = x_client.search_recent(f"conversation_id:{root} from:lena -is:retweet")

    assert [t.id for t in conversation.tweets] == [other, follow_up, root]
    assert [t.id for t in from_lena.tweets] == [follow_up, root]
    assert conversation.newest_id == other


def test_search_recent_paginates_with_next_token(fake_x: FakeX, x_client: XClient) -> None:
    ids = [fake_x.add_tweet("nina", f"outage report {n}") for n in range(15)]

    first = x_client.search_recent("outage", max_results=10)
    second = x_client.search_recent("outage", max_results=10, next_token=first.next_token)

    assert len(first.tweets) == 10 and first.next_token
    assert [t.id for t in first.tweets + second.tweets] == list(reversed(ids))
    assert second.next_token is None


def test_user_by_username_strips_at_and_maps_fields(fake_x: FakeX, x_client: XClient) -> None:
    fake_x.add_user("Oscar_99", "Oscar", followers=77)

    user = x_client.user_by_username("@oscar_99")

    assert (user.username, user.name, user.followers_count, user.verified) == ("Oscar_99", "Oscar", 77, False)
    assert fake_x.requests[-1].path == "/2/users/by/username/oscar_99"

    with pytest.raises(XError) as caught:
        x_client.user_by_username("nobody_here")
    assert caught.value.kind is XErrorKind.NOT_FOUND


def test_recent_own_tweets_finds_what_we_posted(fake_x: FakeX, x_client: XClient) -> None:
    old = fake_x.add_tweet("acme", "last week", created_at=datetime.now(UTC) - timedelta(days=7))
    asked = fake_x.mention("pat", "@acme help")
    posted = x_client.post_reply("Sorry about that, Pat!", asked)

    own = x_client.recent_own_tweets(fake_x.brand_id, start_time=datetime.now(UTC) - timedelta(hours=1))

    assert [t.id for t in own] == [posted.id]
    assert own[0].in_reply_to_tweet_id == asked
    assert old not in [t.id for t in own]
    sent = next(r for r in fake_x.requests if r.path.endswith("/tweets") and "/users/" in r.path)
    assert sent.auth == "oauth1"
    assert sent.query["start_time"].endswith("Z")
