"""Triage wiring: the team's rules file, checked at start-up, and the classifier ingest calls."""

from __future__ import annotations

from pathlib import Path

from slackbridge.ai.client import AIClient
from slackbridge.config import ConfigError
from slackbridge.triage.pipeline import Triage
from slackbridge.triage.rules import RulesError, RuleSet


def load_rules(path: Path | None) -> RuleSet | None:
    """The rules file, or None; a broken file stops start-up with one message naming the file and rule."""
    if path is None:
        return None
    try:
        return RuleSet.load(path)
    except RulesError as exc:
        raise ConfigError([f"SLACKBRIDGE_TRIAGE_RULES: {exc}"]) from None


def build_triage(rules_path: Path | None, ai: AIClient | None) -> Triage:
    """Rules first, then the model when a key is set, then the built-in classifier."""
    return Triage(load_rules(rules_path), ai)
