"""The part of X's search query language slackbridge uses, compiled to a predicate over stored posts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slackbridge.testing.fake_x.errors import invalid_request
from slackbridge.text import find_urls

if TYPE_CHECKING:
    from slackbridge.testing.fake_x.state import XState


def _mentions(text: str, username: str) -> bool:
    return re.search(rf"(?<![\w@])@{re.escape(username)}(?!\w)", text, re.IGNORECASE) is not None


_TOKEN = re.compile(r'-?"[^"]*"|[()]|-?\(|[^\s()]+')
Predicate = Callable[[dict[str, Any]], bool]


def _compile_query(query: str, fake: XState) -> Predicate:
    """X's search operators that slackbridge uses: words (AND), "phrases", OR, ( ), -negation,
    from: to: @user conversation_id: lang: is:retweet/reply/quote, #tag, has:links."""
    tokens = _TOKEN.findall(query)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def parse_or() -> Predicate:
        nonlocal pos
        options = [parse_and()]
        while peek() == "OR":
            pos += 1
            options.append(parse_and())
        return lambda t: any(p(t) for p in options)

    def parse_and() -> Predicate:
        nonlocal pos
        terms: list[Predicate] = []
        while (token := peek()) is not None and token not in (")", "OR"):
            pos += 1
            negate = token.startswith("-") and len(token) > 1
            body = token[1:] if negate else token
            if body == "(":
                term = parse_or()
                if peek() != ")":
                    raise invalid_request(
                        f"There were errors processing your request: unbalanced ( in {query}"
                    )
                pos += 1
            else:
                term = _atom(body, fake, query)
            terms.append((lambda p: lambda t: not p(t))(term) if negate else term)
        if not terms:
            raise invalid_request(f"There were errors processing your request: empty clause in '{query}'")
        return lambda t: all(p(t) for p in terms)

    predicate = parse_or()
    if pos != len(tokens):
        raise invalid_request(f"There were errors processing your request: unexpected ')' in '{query}'")
    return predicate


def _atom(token: str, fake: XState, query: str) -> Predicate:
    def text(t: dict[str, Any]) -> str:
        return str(t["text"]).lower()

    def username_of(user_id: str | None) -> str:
        return str(fake._users[user_id]["username"]).lower() if user_id in fake._users else ""

    if token.startswith('"'):
        phrase = token.strip('"').lower()
        return lambda t: phrase in text(t)
    if token.startswith("@"):
        handle = token[1:]
        return lambda t: _mentions(t["text"], handle)
    if token.startswith("#"):
        tag = token.lower()
        return lambda t: re.search(rf"(?<!\w){re.escape(tag)}(?!\w)", text(t)) is not None
    operator, sep, value = token.partition(":")
    if sep and re.fullmatch(r"[a-z_]+", operator) and operator not in ("http", "https"):
        value = value.lower()
        simple: dict[str, Predicate] = {
            "from": lambda t: username_of(t["author_id"]) == value.lstrip("@"),
            "to": lambda t: username_of(t["in_reply_to_user_id"]) == value.lstrip("@"),
            "conversation_id": lambda t: t["conversation_id"] == value,
            "lang": lambda t: (t["lang"] or "").lower() == value,
        }
        if operator in simple:
            return simple[operator]
        kinds = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}
        if operator == "is" and value in kinds:
            return lambda t: any(k == kinds[value] for k, _ in t["refs"])
        if operator == "has" and value == "links":
            return lambda t: bool(find_urls(t["text"]))
        raise invalid_request(
            f"There were errors processing your request: Reference to invalid operator '{operator}:{value}' "
            f"in '{query}'"
        )
    word = token.lower()
    return lambda t: re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text(t)) is not None
