"""Everything the model may see when drafting a reply, gathered by the caller into one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from slackbridge.ai.knowledge import Passage


@dataclass(frozen=True)
class SuggestionContext:
    customer_username: str  # without the leading @
    tweet_text: str
    # Earlier posts of the X conversation, oldest first: ("customer" | "brand" | other username, text).
    conversation: list[tuple[str, str]] = field(default_factory=list)
    history_summary: str = ""  # short summary of the customer's earlier cases
    guidelines: str = ""  # the team's reply guidelines (Markdown); see load_guidelines()
    knowledge: list[Passage] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (tweet, approved reply)


def load_guidelines(path: str | Path | None = None) -> str:
    """The team's guidelines file, or the shipped default when no path is configured."""
    if path is None:
        return (
            resources.files("slackbridge").joinpath("defaults", "guidelines.md").read_text(encoding="utf-8")
        )
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"Reply guidelines file not found: {file}")
    return file.read_text(encoding="utf-8")
