"""Saved replies for teams without a model: canned texts and past approved replies, ranked by similarity."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from slackbridge.ai.textsearch import cosine_similarities


class CannedError(ValueError):
    """A canned replies file that cannot be used, with the file and entry named."""


class SavedSource(enum.StrEnum):
    CANNED = "canned"
    APPROVED = "approved"


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SavedMatch:
    text: str
    score: float  # 0..1 similarity to the tweet
    source: SavedSource
    title: str  # canned title, or the tweet the approved reply answered


def load_canned(path: str | Path) -> list[CannedReply]:
    """Read a YAML list of {title, text, tags}; errors name the file and the entry number (from 1)."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CannedError(f"{file}: canned replies file not found") from None
    except yaml.YAMLError as exc:
        raise CannedError(f"{file}: not valid YAML ({exc})") from None
    if data is None:
        return []
    if isinstance(data, dict) and "replies" in data:
        data = data["replies"]
    if not isinstance(data, list):
        raise CannedError(f"{file}: expected a list of replies, each with title and text")
    replies: list[CannedReply] = []
    for number, item in enumerate(data, start=1):
        where = f"{file}: reply {number}"
        if not isinstance(item, dict):
            raise CannedError(f"{where}: expected a mapping with title and text")
        unknown = set(item) - {"title", "text", "tags"}
        if unknown:
            raise CannedError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        title, text, tags = item.get("title"), item.get("text"), item.get("tags") or []
        if not isinstance(text, str) or not text.strip():
            raise CannedError(f"{where}: 'text' must be a non-empty string")
        if title is not None and not isinstance(title, str):
            raise CannedError(f"{where}: 'title' must be a string")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise CannedError(f"{where}: 'tags' must be a list of strings")
        replies.append(CannedReply(title or text.strip()[:40], text.strip(), tuple(tags)))
    return replies


def rank_saved_replies(
    tweet: str,
    canned: Sequence[CannedReply],
    approved: Sequence[tuple[str, str]] = (),
    *,
    k: int = 3,
    min_score: float = 0.05,
) -> list[SavedMatch]:
    """The k saved replies most like the tweet; an approved reply is matched by the tweet it answered."""
    candidates: list[tuple[str, SavedMatch]] = []
    for reply in canned:
        document = f"{reply.title} {' '.join(reply.tags)} {reply.text}"
        candidates.append((document, SavedMatch(reply.text, 0.0, SavedSource.CANNED, reply.title)))
    for past_tweet, reply_text in approved:
        # The past tweet says what situation the reply fits; the reply adds its own vocabulary.
        document = f"{past_tweet} {past_tweet} {reply_text}"
        candidates.append((document, SavedMatch(reply_text, 0.0, SavedSource.APPROVED, past_tweet)))
    scores = cosine_similarities(tweet, [doc for doc, _ in candidates])
    best: dict[str, SavedMatch] = {}
    for (_, match), score in zip(candidates, scores, strict=True):
        key = match.text.strip().casefold()
        if score >= min_score and (key not in best or score > best[key].score):
            best[key] = SavedMatch(match.text, round(score, 3), match.source, match.title)
    return sorted(best.values(), key=lambda m: -m.score)[:k]
