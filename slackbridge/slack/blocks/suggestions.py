"""The status message of a "Suggest reply" click: drafting, done, nothing found, or failed with Retry."""

from __future__ import annotations

from slackbridge.slack.blocks.common import Block, actions, button, context, section
from slackbridge.slack.ids import ActionId, Ref
from slackbridge.text import escape_mrkdwn

AI_OFF = "AI suggestions are off (no OpenAI API key is set)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def build_suggest_pending(model: str | None) -> tuple[str, list[Block]]:
    """The placeholder posted at once; model None means saved replies only."""
    if model is None:
        text = f":card_index: {AI_OFF}: looking for saved replies that match this post…"
    else:
        text = f":hourglass_flowing_sand: Drafting suggestions with {escape_mrkdwn(model)}…"
    return text, [section(text)]


def build_suggest_done(count: int, model: str, flagged: int) -> tuple[str, list[Block]]:
    text = f":robot_face: Drafted {_plural(count, 'suggestion')} with {escape_mrkdwn(model)} below."
    parts = ["Each is a normal draft: edit, approve & send, or discard. Nothing is posted without approval."]
    if flagged:
        parts.append(f":warning: {_plural(flagged, 'draft')} did not pass the checks: read the notes.")
    return text, [section(text), context(*parts)]


def build_saved_done(count: int) -> tuple[str, list[Block]]:
    if count == 0:
        text = (
            f":card_index: {AI_OFF}, and no saved reply matches this post. Use *Write a reply* to answer it."
        )
        return text, [section(text)]
    noun = "saved reply" if count == 1 else "saved replies"
    text = f":card_index: {AI_OFF}: offered {count} {noun} that best match this post below."
    hint = "Saved replies are canned texts and replies approved before; edit them to fit before approving."
    return text, [section(text), context(hint)]


def build_suggest_failed(problem: str, case_id: int, tweet_id: str | None) -> tuple[str, list[Block]]:
    """The model failed: say so in plain words and offer to try again."""
    text = f":warning: No suggestions this time. {escape_mrkdwn(problem)}"
    retry = button("Retry", ActionId.SUGGEST_RETRY, Ref(case_id=case_id, extra=tweet_id), style="primary")
    return text, [section(text), actions(f"suggest:{case_id}", retry)]
