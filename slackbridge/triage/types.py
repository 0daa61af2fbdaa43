"""The vocabulary of triage, shared by rules, model, built-in classifier and whoever stores the result."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Category(enum.StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    LEAD = "lead"
    PRAISE = "praise"
    SPAM = "spam"
    OTHER = "other"


class Sentiment(enum.StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"


class Stage(enum.StrEnum):
    RULES = "rules"
    MODEL = "model"
    BUILTIN = "builtin"


@dataclass(frozen=True)
class Classification:
    category: Category
    sentiment: Sentiment
    urgency: Urgency
    reason: str  # short, shown to staff
    stage: Stage  # which stage decided the category
    channel: str | None = None  # Slack channel a rule routes to
