"""What X can send that we did not expect: every string is cleaned, one malformed post is left out alone."""

from __future__ import annotations

import json
import logging

import pytest

from slackbridge.x.parse import parse_page


def _page(*items: dict[str, object]) -> dict[str, object]:
    return {
        "data": list(items),
        "includes": {
            "users": [{"id": "9", "username": "jane\x00", "name": "Jane \ud83d", "verified": "yes"}]
        },
        "meta": {"newest_id": "3", "result_count": len(items)},
    }


def _post(post_id: str, **extra: object) -> dict[str, object]:
    return {"id": post_id, "text": "hi", "author_id": "9", "created_at": "2026-11-20T10:00:00.000Z", **extra}


def test_a_malformed_post_is_left_out_by_id_and_the_rest_of_the_page_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = _page(_post("3"), _post("2", created_at="yesterday", text="secret words"), _post("not-a-number"))
    with caplog.at_level(logging.ERROR, logger="slackbridge.x.parse"):
        page = parse_page(json.loads(json.dumps(body)))
    assert [t.id for t in page.tweets] == ["3"]
    assert "x.post_unreadable tweet=2 error=ValueError" in caplog.text
    assert "secret words" not in caplog.text


def test_every_string_of_a_post_and_its_author_is_cleaned() -> None:
    body = _page(_post("3", text="a &amp;#0; NUL\x00 and half \ud83d", lang="en\x07"))
    [tweet] = parse_page(json.loads(json.dumps(body))).tweets
    assert tweet.text == "a &#0; NUL and half \ufffd"
    assert tweet.lang == "en"
    assert tweet.author is not None
    assert (tweet.author.username, tweet.author.name, tweet.author.verified) == ("jane", "Jane \ufffd", False)
