"""Text rules for every surface: cleaning untrusted input, Slack mrkdwn escaping, X's weighted length."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from twitter_text import parse_tweet

TWEET_LIMIT = 280

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls and DEL, except tab and newline: PostgreSQL refuses NUL and nothing shows the rest.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: object, limit: int | None = None, *, marker: str = "…") -> str:
    """Any string from outside (X, Slack) made safe to store and show; never raises on bad input.

    A lone UTF-16 surrogate (X's JSON can carry half an emoji) becomes U+FFFD, a split pair is joined,
    line ends become \\n, other control characters are dropped, and `limit` (a column's size in
    characters) is respected, ending with `marker` when something was cut."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - len(marker))] + marker[:limit]
    return text


def clean_optional(text: object, limit: int | None = None, *, marker: str = "…") -> str | None:
    """clean_text for a field that may be absent: None and empty strings stay None."""
    cleaned = clean_text(text, limit, marker=marker) if text is not None else ""
    return cleaned or None


# Slack mrkdwn has no escape character. `&`, `<` and `>` have entities; the formatting characters are
# shown through the fallback of a date token with an invalid format, which Slack always renders as plain
# text (the technique of jsx-slack's <Escape>). A `>` that starts a line would open a quote: a soft
# hyphen (invisible) in front of it keeps it literal.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMATTING = "*_~`"
_LITERAL = "<!date^00000000^{{_}}|{}>"
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_QUOTE_START = re.compile(r"(^|\n)([ \t]*)&gt;")


def escape_mrkdwn(text: str) -> str:
    """Make untrusted text show literally in mrkdwn: no pings, links, entity tricks or formatting.

    `*bold*`, `_italic_`, `~strike~`, `` `code` ``, code fences and `>` quotes all render as typed;
    `<!channel>`, `<@U…>` and `<url|label>` render as text. Bidirectional overrides are dropped, so a
    name cannot reverse the trusted text around it."""
    text = _BIDI_CONTROLS.sub("", clean_text(text))
    out = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _FORMATTING:
            out.append(_LITERAL.format(ch))
        else:
            out.append(ch)
    return _QUOTE_START.sub("\\1\\2\u00ad&gt;", "".join(out))


# Look-alikes: BROKEN BAR, ASTERISK OPERATOR, TILDE OPERATOR, MODIFIER LETTER GRAVE ACCENT.
_LABEL_LOOKALIKES = str.maketrans({"|": "\u00a6", "*": "\u2217", "~": "\u223c", "`": "\u02cb"})
# Characters a URL inside <url|label> may keep; the rest (spaces, <, >, |, quotes, non-ASCII) are %-encoded.
_URL_SAFE = "!#$&'()*+,-./:;=?@[]_~%"


def escape_link_label(text: str) -> str:
    """The label of a <url|label> link: a date token cannot nest there, so formatting uses look-alikes."""
    text = _BIDI_CONTROLS.sub("", clean_text(text)).replace("\n", " ")
    return "".join(_ENTITIES.get(ch, ch) for ch in text).translate(_LABEL_LOOKALIKES)


def escape_code(text: str) -> str:
    """Untrusted text inside `inline code`: nothing is formatted there, but a backtick would end the span
    and <…> would still ping or link, so those are neutralised (a look-alike for the backtick)."""
    text = _BIDI_CONTROLS.sub("", clean_text(text)).replace("\n", " ")
    return "".join(_ENTITIES.get(ch, ch) for ch in text).replace("`", "\u02cb")


def escape_link_url(url: str) -> str:
    """A URL that cannot close or split the <url|label> markup it sits in."""
    return quote(clean_text(url), safe=_URL_SAFE)


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


_HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")


def tweet_url(username: str | None, tweet_id: str) -> str:
    """A post's address on X; i/web (which X redirects) when the handle is missing or not a real handle."""
    handle = username if username and _HANDLE.fullmatch(username) else "i/web"
    return f"https://x.com/{handle}/status/{quote(tweet_id, safe='')}"


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


# Operations: Slack's date formatting survives escaping where our own message carries it
_SLACK_DATE = re.compile(r"<!date\^\d{1,12}\^[{}a-z_ ]{1,60}\|[^<>|]{0,60}>")


def escape_mrkdwn_keeping_dates(text: str) -> str:
    """escape_mrkdwn, except Slack date tokens (`<!date^…|…>`): each reader sees their time zone; no ping."""
    out: list[str] = []
    last = 0
    for match in _SLACK_DATE.finditer(text):
        out += [escape_mrkdwn(text[last : match.start()]), match.group(0)]
        last = match.end()
    out.append(escape_mrkdwn(text[last:]))
    return "".join(out)
