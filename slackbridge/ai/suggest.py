"""Suggested replies: ask the model, parse its JSON, check each draft, shorten once, drop or flag the rest."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slackbridge.ai.client import AIClient, AIError, AIErrorKind
from slackbridge.ai.context import SuggestionContext
from slackbridge.ai.prompts import build_shorten_messages, build_suggestion_messages
from slackbridge.ai.validate import Problem, ProblemCode, check_suggestion, link_cost_note
from slackbridge.text import weighted_length
from slackbridge.x.prices import PriceTable

logger = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3
# Problems that make a draft unsafe to offer when a clean alternative exists; too_long is only flagged.
_BLOCKING = {ProblemCode.FOREIGN_MENTION, ProblemCode.LINK_NOT_ALLOWED, ProblemCode.PLACEHOLDER}
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    text: str
    length: int  # weighted, as X counts it
    problems: tuple[Problem, ...]
    note: str | None  # e.g. the cost of a link
    model: str

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_replies(content: str) -> list[str]:
    """Reply strings from the model's answer: bare JSON, fenced JSON, or JSON amid prose; else bad_output."""
    candidates = [content.strip(), *(m.strip() for m in _FENCE.findall(content))]
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        candidates.append(content[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        items = data.get("replies") if isinstance(data, dict) else data
        if isinstance(items, list):
            texts = [item.get("text") if isinstance(item, dict) else item for item in items]
            if texts and all(isinstance(t, str) for t in texts):
                return [t for t in texts if isinstance(t, str)]
    logger.warning("ai.unparseable_replies chars=%d", len(content))
    raise AIError(AIErrorKind.BAD_OUTPUT, "The AI model's answer could not be read as replies. Try again.")


def clean_reply(text: str, customer_username: str) -> str:
    """Trim quotes and a leading @customer: X threads the reply to the customer without it."""
    text = text.strip().strip('"“”').strip()
    prefix = re.compile(rf"^[@\uff20]{re.escape(customer_username.lstrip('@'))}\b[\s,:]*", re.IGNORECASE)
    return prefix.sub("", text).strip()


def suggest_replies(
    ai: AIClient,
    ctx: SuggestionContext,
    *,
    count: int = MAX_SUGGESTIONS,
    allowed_domains: Sequence[str] = (),
    prices: PriceTable | None = None,
) -> list[Suggestion]:
    """Up to count checked drafts, clean ones first; a flagged draft always carries its problems."""
    count = max(1, min(count, MAX_SUGGESTIONS))
    domains = list(allowed_domains)
    content = ai.chat(build_suggestion_messages(ctx, count=count, allowed_domains=domains), json_mode=True)
    drafts = [clean_reply(t, ctx.customer_username) for t in parse_replies(content)]
    drafts = [d for d in dict.fromkeys(drafts) if d]
    if not drafts:
        raise AIError(AIErrorKind.BAD_OUTPUT, "The AI model sent back only empty replies. Try again.")
    drafts = drafts[: count * 2]

    def check(text: str) -> list[Problem]:
        return check_suggestion(text, customer_username=ctx.customer_username, allowed_domains=domains)

    too_long = [i for i, d in enumerate(drafts) if any(p.code == ProblemCode.TOO_LONG for p in check(d))]
    if too_long:
        drafts = _shorten(ai, drafts, too_long, ctx.customer_username, domains)

    checked = [(d, check(d)) for d in drafts]
    safe = [(d, p) for d, p in checked if not any(x.code in _BLOCKING for x in p)]
    if safe:
        dropped = len(checked) - len(safe)
        if dropped:
            logger.info("ai.suggestions_dropped count=%d", dropped)
        checked = safe
    checked.sort(key=lambda pair: len(pair[1]))  # clean drafts first, stable otherwise
    return [
        Suggestion(d, weighted_length(d), tuple(p), link_cost_note(d, prices), ai.model)
        for d, p in checked[:count]
    ]


def _shorten(
    ai: AIClient, drafts: list[str], indexes: list[int], customer: str, domains: list[str]
) -> list[str]:
    """One follow-up request for all over-long drafts; keep the shorter version of each, whatever happens."""
    try:
        content = ai.chat(
            build_shorten_messages(
                [drafts[i] for i in indexes], customer_username=customer, allowed_domains=domains
            ),
            json_mode=True,
        )
        shorter = [clean_reply(t, customer) for t in parse_replies(content)]
    except AIError as exc:
        logger.warning("ai.shorten_failed kind=%s", exc.kind)
        return drafts
    result = list(drafts)
    for i, new in zip(indexes, shorter, strict=False):
        if new and weighted_length(new) < weighted_length(drafts[i]):
            result[i] = new
    return result
