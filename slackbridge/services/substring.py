"""Substring search for words the word index cannot find: languages written without spaces (注文が届かない),
parts of compound words (Rücksendung in Rücksendungsetikett) and very short terms."""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from sqlmodel import Session

logger = logging.getLogger(__name__)

TRIGRAM = 3  # FTS5's trigram tokenizer and pg_trgm index runs of three characters
_SPACELESS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def spaceless(text: str) -> bool:
    """True when the text has a character of a script written without spaces between words."""
    return any(ord(char) > 0x2E7F and unicodedata.name(char, "").startswith(_SPACELESS) for char in text)


def wants_substrings(words: list[str]) -> bool:
    """The word index cannot answer these: a spaceless script, or a term shorter than a trigram."""
    return any(spaceless(w) or len(w) < TRIGRAM for w in words)


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sqlite(session: Session, table: str, index: str, key: str, words: list[str], limit: int) -> list[str]:
    """FTS5 trigram phrases for terms of three characters or more, LIKE on the row for shorter ones."""
    params: dict[str, object] = {"n": limit}
    where = []
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if long_words:
        params["q"] = " ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        where.append(f"{key} IN (SELECT rowid FROM {index} WHERE {index} MATCH :q)")
    for number, word in enumerate(w for w in words if len(w) < TRIGRAM):
        params[f"p{number}"] = _like_pattern(word)
        where.append(f"t.text LIKE :p{number} ESCAPE '\\'")
    sql = f"SELECT t.id FROM {table} t WHERE {' AND '.join(where)} ORDER BY t.created_at DESC LIMIT :n"
    return [str(row[0]) for row in session.execute(sa.text(sql), params)]


def _postgres(session: Session, table: str, words: list[str], limit: int) -> list[str]:
    """ILIKE on every term: pg_trgm's GIN index answers it where the extension exists, else a scan."""
    params: dict[str, object] = {"n": limit}
    where = []
    for number, word in enumerate(words):
        params[f"p{number}"] = _like_pattern(word)
        where.append(f"t.text ILIKE :p{number}")
    sql = f"SELECT t.id FROM {table} t WHERE {' AND '.join(where)} ORDER BY t.created_at DESC LIMIT :n"
    return [str(row[0]) for row in session.execute(sa.text(sql), params)]


def substring_ids(session: Session, words: list[str], limit: int) -> tuple[list[str], list[int]]:
    """Ids of posts and drafts containing every term as a substring, newest first."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        tweets = _sqlite(session, "tweet", "tweet_trgm", "CAST(t.id AS INTEGER)", words, limit * 2)
        drafts = _sqlite(session, "draft", "draft_trgm", "t.id", words, limit)
    else:
        tweets = _postgres(session, "tweet", words, limit * 2)
        drafts = _postgres(session, "draft", words, limit)
    return tweets, [int(d) for d in drafts]
