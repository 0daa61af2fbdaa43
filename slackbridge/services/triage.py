"""Triage wiring: the team's rules file, checked at start-up, and the classifier ingest calls."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from slackbridge.ai.client import AIClient
from slackbridge.config import ConfigError
from slackbridge.slack.gateway import SlackError, SlackGateway
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


_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def resolve_rule_channels(triage: Triage, slack: SlackGateway) -> None:
    """Rules may name channels (`#billing`) or give IDs; names become IDs once, at start-up."""
    rules = triage.rules
    named = [r for r in rules.rules if r.channel and not _CHANNEL_ID.match(r.channel)] if rules else []
    if rules is None or not named:
        return
    try:
        ids = slack.channel_ids()
    except SlackError as exc:
        raise ConfigError(
            [f"SLACKBRIDGE_TRIAGE_RULES names channels, and Slack refused to list them ({exc.code})."]
        ) from exc
    resolved = []
    for rule in rules.rules:
        if rule in named:
            assert rule.channel is not None
            name = rule.channel.lstrip("#").strip().lower()
            if name not in ids:
                problem = (
                    f"SLACKBRIDGE_TRIAGE_RULES rule {rule.name!r} routes to #{name}, a channel the bot "
                    "cannot see: check the name, invite the bot (/invite @slackbridge) or use its ID (C…)."
                )
                raise ConfigError([problem])
            rule = replace(rule, channel=ids[name])
        resolved.append(rule)
    rules.rules = resolved


def build_triage(rules_path: Path | None, ai: AIClient | None) -> Triage:
    """Rules first, then the model when a key is set, then the built-in classifier."""
    return Triage(load_rules(rules_path), ai)
