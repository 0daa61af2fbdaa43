"""Triage in order: the team's rules, then the model when configured, then the built-in classifier."""

from __future__ import annotations

import logging
from dataclasses import replace

from slackbridge.ai.client import AIClient, AIError
from slackbridge.triage.builtin import classify_builtin
from slackbridge.triage.model import classify_with_model
from slackbridge.triage.rules import RuleSet
from slackbridge.triage.types import Classification, Stage

logger = logging.getLogger(__name__)


class Triage:
    """Classifies mention text; never raises for a model failure (the built-in classifier answers instead)."""

    def __init__(self, rules: RuleSet | None = None, ai: AIClient | None = None) -> None:
        self.rules = rules
        self.ai = ai

    def classify(self, text: str) -> Classification:
        builtin = classify_builtin(text)
        if self.rules is not None:
            found = self.rules.match(text)
            if found is not None:
                rule = found.rule
                return Classification(
                    category=rule.category,
                    # Fields a rule leaves unset come from the built-in estimate: a safety word still counts.
                    sentiment=rule.sentiment or builtin.sentiment,
                    urgency=rule.urgency or builtin.urgency,
                    reason=f"rule '{rule.name}' matched '{found.matched}'",
                    stage=Stage.RULES,
                    channel=rule.channel,
                )
        if self.ai is not None:
            try:
                return classify_with_model(self.ai, text)
            except AIError as exc:
                logger.warning("triage.model_failed kind=%s; using builtin classifier", exc.kind)
                return replace(builtin, reason=f"{builtin.reason} (model unavailable: {exc.kind})")
        return builtin
