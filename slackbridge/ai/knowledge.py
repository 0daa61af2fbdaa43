"""The team's knowledge base (a folder of Markdown files) cut into passages and ranked against a tweet."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from slackbridge.ai.textsearch import BM25

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MAX_PASSAGE = 700  # characters: long enough for a policy paragraph, short enough for a prompt


@dataclass(frozen=True)
class Passage:
    source: str  # file path relative to the knowledge folder
    heading: str  # nearest heading chain, e.g. "Returns > Damaged items"
    text: str


def split_markdown(text: str, source: str) -> list[Passage]:
    """Passages under their heading chain; paragraphs are merged up to a size limit, never split mid-way."""
    passages: list[Passage] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the open headings
    paragraphs: list[str] = []
    current: list[str] = []

    def flush_paragraph() -> None:
        if current:
            paragraphs.append("\n".join(current).strip())
            current.clear()

    def flush_section() -> None:
        flush_paragraph()
        heading = " > ".join(title for _, title in stack)
        chunk = ""
        for para in (p for p in paragraphs if p):
            if chunk and len(chunk) + len(para) + 2 > _MAX_PASSAGE:
                passages.append(Passage(source, heading, chunk))
                chunk = para
            else:
                chunk = f"{chunk}\n\n{para}" if chunk else para
        if chunk:
            passages.append(Passage(source, heading, chunk))
        paragraphs.clear()

    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            flush_section()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2)))
        elif line.strip():
            current.append(line.rstrip())
        else:
            flush_paragraph()
    flush_section()
    return passages


class KnowledgeBase:
    """Passages plus a BM25 index; build a new one when the folder changes (it takes milliseconds)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._index = BM25([f"{p.heading}\n{p.text}" for p in passages])

    @classmethod
    def load(cls, folder: str | Path | None) -> KnowledgeBase:
        """Every *.md under folder; a missing folder gives an empty knowledge base (logged)."""
        if folder is None:
            return cls([])
        root = Path(folder)
        if not root.is_dir():
            logger.info("knowledge.folder_missing path=%s", root)
            return cls([])
        passages: list[Passage] = []
        for path in sorted([*root.rglob("*.md"), *root.rglob("*.markdown")]):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                logger.exception("knowledge.file_unreadable path=%s", path)
                continue
            passages.extend(split_markdown(text, path.relative_to(root).as_posix()))
        logger.info("knowledge.loaded path=%s passages=%d", root, len(passages))
        return cls(passages)

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The k passages most relevant to query (fewer when nothing else shares a word with it)."""
        return [self.passages[i] for i, _ in self._index.top(query, k)]
