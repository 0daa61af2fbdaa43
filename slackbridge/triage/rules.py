"""The team's triage rules: a YAML file of keyword/regex rules giving a mention category, urgency, channel.

Format (see slackbridge/defaults/triage_rules.example.yml)::

    rules:
      - name: legal threat              # optional label, used in the reason
        keywords: [lawyer, "legal action", refund*]   # whole words/phrases, case- and accent-insensitive;
                                        # a trailing * matches any ending (refund, refunds, refunded)
        regex: '\\border\\s+#?\\d{6}\\b'   # optional: one regex or a list (case-insensitive)
        category: complaint             # required: complaint|question|lead|praise|spam|other
        urgency: high                   # optional: normal|high
        sentiment: negative             # optional: negative|neutral|positive
        channel: "#care-escalations"    # optional Slack channel to route to

Rules are tried in file order and the first match decides. Unset urgency/sentiment are filled by the
built-in classifier's estimate. Every error names the file and the rule number (from 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from slackbridge.ai.textsearch import fold
from slackbridge.triage.types import Category, Sentiment, Urgency

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_KEYS = {"name", "keywords", "regex", "category", "urgency", "sentiment", "channel"}


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file, the rule and the fix."""


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any phrase as whole words in fold()ed text; CJK phrases match anywhere."""
    words: list[str] = []
    cjk: list[str] = []
    for phrase in phrases:
        folded = fold(phrase).strip()
        if not folded:
            continue
        wildcard = folded.endswith("*")
        body = re.escape(folded.rstrip("*").strip()).replace(r"\ ", r"\s+")
        body += r"\w*" if wildcard else ""
        (cjk if _CJK.search(folded) else words).append(body)
    alternatives = []
    if words:
        alternatives.append(r"(?<!\w)(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?!\w)")
    if cjk:
        alternatives.append("(?:" + "|".join(cjk) + ")")
    return re.compile("|".join(alternatives)) if alternatives else None


@dataclass(frozen=True)
class Rule:
    name: str
    category: Category
    urgency: Urgency | None
    sentiment: Sentiment | None
    channel: str | None
    keywords: re.Pattern[str] | None
    regexes: tuple[re.Pattern[str], ...]

    def match(self, text: str) -> str | None:
        """The matched words, or None."""
        if self.keywords is not None:
            found = self.keywords.search(fold(text))
            if found:
                return found.group(0)
        for pattern in self.regexes:
            found = pattern.search(text) or pattern.search(fold(text))
            if found:
                return found.group(0)
        return None


@dataclass(frozen=True)
class RuleMatch:
    rule: Rule
    matched: str


class RuleSet:
    """Rules in file order; the first one that matches wins."""

    def __init__(self, rules: list[Rule], source: str = "<rules>") -> None:
        self.rules = rules
        self.source = source

    def match(self, text: str) -> RuleMatch | None:
        for rule in self.rules:
            matched = rule.match(text)
            if matched is not None:
                return RuleMatch(rule, matched)
        return None

    @classmethod
    def load(cls, path: str | Path) -> RuleSet:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError(f"{file}: triage rules file not found") from None
        return cls.from_yaml(text, source=str(file))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<rules>") -> RuleSet:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RulesError(f"{source}: not valid YAML ({exc})") from None
        if data is None:
            return cls([], source)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RulesError(f"{source}: expected a top-level 'rules:' list")
        return cls(
            [_parse_rule(item, f"{source}: rule {n}") for n, item in enumerate(data["rules"], 1)], source
        )


_E = TypeVar("_E", Category, Sentiment, Urgency)


def _enum(enum_type: type[_E], value: object, key: str, where: str) -> _E:
    allowed = ", ".join(e.value for e in enum_type)
    if not isinstance(value, str) or value.strip().lower() not in {e.value for e in enum_type}:
        raise RulesError(f"{where}: unknown {key} {value!r} (expected one of: {allowed})")
    return enum_type(value.strip().lower())


def _parse_rule(item: object, where: str) -> Rule:
    if not isinstance(item, dict):
        raise RulesError(f"{where}: expected a mapping with keywords/regex and category")
    name = item.get("name")
    if name is not None:
        where = f"{where} ({name!r})"
    unknown = set(map(str, item)) - _KEYS
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_KEYS))})"
        )
    if "category" not in item:
        raise RulesError(f"{where}: 'category' is required")
    category = _enum(Category, item["category"], "category", where)
    urgency = _enum(Urgency, item["urgency"], "urgency", where) if item.get("urgency") is not None else None
    sentiment = (
        _enum(Sentiment, item["sentiment"], "sentiment", where) if item.get("sentiment") is not None else None
    )
    keywords = item.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    if not isinstance(keywords, list) or not all(isinstance(k, str | int | float) for k in keywords):
        raise RulesError(f"{where}: 'keywords' must be a list of words or phrases")
    raw_regexes = item.get("regex") or []
    if isinstance(raw_regexes, str):
        raw_regexes = [raw_regexes]
    if not isinstance(raw_regexes, list) or not all(isinstance(r, str) for r in raw_regexes):
        raise RulesError(f"{where}: 'regex' must be a string or a list of strings")
    regexes = []
    for raw in raw_regexes:
        try:
            regexes.append(re.compile(raw, re.IGNORECASE))
        except re.error as exc:
            raise RulesError(f"{where}: bad regex {raw!r}: {exc}") from None
    pattern = phrase_pattern(str(k) for k in keywords)
    if pattern is None and not regexes:
        raise RulesError(f"{where}: needs at least one keyword or regex")
    channel = item.get("channel")
    if channel is not None and (not isinstance(channel, str) or not channel.strip()):
        raise RulesError(f"{where}: 'channel' must be a channel name such as \"#care-urgent\"")
    return Rule(
        name=str(name) if name is not None else where.rsplit(": ", 1)[-1],
        category=category,
        urgency=urgency,
        sentiment=sentiment,
        channel=channel.strip() if isinstance(channel, str) else None,
        keywords=pattern,
        regexes=tuple(regexes),
    )
