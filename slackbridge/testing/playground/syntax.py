"""The playground's command words: their usage lines for `help`, and splitting a typed line into words."""

from __future__ import annotations

import shlex

COMMANDS: dict[str, tuple[str, str]] = {
    "mention": ("mention [who] <text>", "a customer (default jane) mentions @acme on X"),
    "reply": ("reply <card#> <text>", "write `reply: <text>` in the card's thread: a reply draft"),
    "suggest": ("suggest <card#>", 'click "Suggest reply": the model drafts a reply in the thread'),
    "edit": ("edit <draft#> <text>", 'click "Edit" on the draft and save this text instead'),
    "approve": ("approve <draft#>", 'click "Approve & send" on the draft (maria approves by default)'),
    "discard": ("discard <draft#>", 'click "Discard" on the draft'),
    "assign": ("assign <card#>", 'click "Assign to me" on the card'),
    "resolve": ("resolve <card#> [outcome]", 'pick an outcome in "Resolve as…" (default solved)'),
    "tweetcare": ("tweetcare <subcommand…>", "run /tweetcare in the channel and show its answer"),
    "stats": ("stats [7d|30d]", "/tweetcare stats with its chart, saved to a file it names"),
    "show": ("show", "the channel now: cards, threads, and the private notices each person got"),
    "posted": ("posted", "what slackbridge posted on X"),
    "as": ("as <alex|maria> <command…>", "do one command as that person (alex is the default)"),
    "help": ("help [command]", "this list, or one command"),
    "quit": ("quit", "stop the fakes (also Ctrl-D)"),
}
ALIASES = {"/tweetcare": "tweetcare", "exit": "quit", "?": "help"}


def help_text(command: str | None = None) -> str:
    if command:
        name = ALIASES.get(command, command)
        if name not in COMMANDS:
            return f"no command {command!r}: type `help` for the list"
        usage, what = COMMANDS[name]
        return f"{usage}\n  {what}"
    width = max(len(usage) for usage, _ in COMMANDS.values())
    return "commands:\n" + "\n".join(f"  {usage:<{width}}  {what}" for usage, what in COMMANDS.values())


def split_words(line: str) -> list[str]:
    """Shell-style words, so quotes group text; a lone apostrophe (can't) falls back to plain words."""
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()
