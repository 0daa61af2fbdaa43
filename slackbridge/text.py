"""Text rules for every surface: Slack mrkdwn escaping, Slack-to-plain conversion, X's weighted length."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from twitter_text import parse_tweet

TWEET_LIMIT = 280

_MRKDWN_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_mrkdwn(text: str) -> str:
    """Make untrusted text safe for mrkdwn: no pings, links or entity tricks survive."""
    return "".join(_MRKDWN_ESCAPES.get(ch, ch) for ch in text)


def decode_x_text(text: str) -> str:
    """X returns post text with &amp; &lt; &gt; entity-encoded; store and count the real characters."""
    return html.unescape(text)


# Slack markup found in message text: <@U123>, <@U123|name>, <#C123|name>, <!here>, <!subteam^S1|@team>,
# <https://x|label>, <mailto:a@b|a@b>.
_SLACK_MARKUP = re.compile(r"<([^<>]+)>")


def slack_to_plain(text: str, resolve_user: Callable[[str], str | None] | None = None) -> str:
    """Turn Slack message text back into what a person typed: links become URLs, mentions become names."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        # A Slack person is not an X account: "@maria" on X would tag a stranger, so names go bare.
        if target.startswith("@"):
            user_id = target[1:]
            name = label or (resolve_user(user_id) if resolve_user else None)
            return name.lstrip("@") if name else "a colleague"
        if target.startswith("#"):
            return f"#{label}" if label else "#channel"
        if target.startswith("!"):
            special = target[1:]
            if special.startswith("subteam^"):
                return (label or "the team").lstrip("@")
            if special.startswith("date"):
                return label or ""
            return (label or special).lstrip("@")
        if target.startswith("mailto:"):
            return target[len("mailto:") :]
        # A link: Slack shows the label, but on X the URL is what carries meaning.
        return target

    converted = _SLACK_MARKUP.sub(replace, text)
    return html.unescape(converted).strip()


def weighted_length(text: str) -> int:
    """Length as X counts it: NFC-normalised, URLs count 23, emoji and CJK count 2."""
    return int(parse_tweet(unicodedata.normalize("NFC", text)).weightedLength)


@dataclass(frozen=True)
class TextCheck:
    length: int
    limit: int
    problem: str | None  # None when the text can be posted

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_tweet_text(text: str, limit: int = TWEET_LIMIT) -> TextCheck:
    """Refuse what X would refuse, saying why with the count and the limit."""
    length = weighted_length(text) if text.strip() else 0
    if not text.strip():
        return TextCheck(0, limit, "The reply is empty: write something to send.")
    if length > limit:
        over = length - limit
        return TextCheck(
            length, limit, f"The reply is {length}/{limit} characters as X counts them: shorten it by {over}."
        )
    return TextCheck(length, limit, None)


_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def find_urls(text: str) -> list[str]:
    return [u.rstrip(".,;:!?)") for u in _URL.findall(text)]


def mentions_account(text: str, username: str) -> bool:
    """Whether a post @mentions the account (X handles are case-insensitive)."""
    return re.search(rf"(?<![\w@])@{re.escape(username)}(?!\w)", text, re.IGNORECASE) is not None


def tweet_url(username: str | None, tweet_id: str) -> str:
    handle = username or "i/web"
    return f"https://x.com/{handle}/status/{tweet_id}"


_TWEET_REF = re.compile(
    r"^(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:[A-Za-z0-9_]{1,15}|i/web|i)/status(?:es)?/(\d{1,20})"
)


def parse_tweet_ref(ref: str) -> str | None:
    """A tweet id from a bare id or an x.com / twitter.com status URL; None when it is neither."""
    ref = ref.strip().strip("<>").split("|")[0]
    if ref.isdigit() and 0 < len(ref) <= 20:
        return ref
    match = _TWEET_REF.match(ref)
    return match.group(1) if match else None


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Shorten text to a Block Kit field limit without cutting a surrogate pair."""
    return text if len(text) <= limit else text[: limit - len(marker)] + marker
