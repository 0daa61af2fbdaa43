"""Full-text search over stored posts, drafts and sent replies, using the database's own text index."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, col, select

from slackbridge.models import Case, CaseSource, Customer, Draft, DraftStatus, Tweet, TweetSource
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import DM_SOURCES
from slackbridge.services.links import ThreadLinks
from slackbridge.services.substring import substring_ids, wants_substrings

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 10
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "post" (a customer's), "reply" (ours, sent), "draft"
    text: str
    created_at: datetime
    score: float
    tweet_id: str | None = None
    draft_id: int | None = None
    draft_status: str | None = None
    case_id: int | None = None
    username: str | None = None
    thread_link: str | None = None


def search_words(text: str) -> list[str]:
    """The words to look for; punctuation and FTS operators are dropped so input is always data."""
    return [w.lower() for w in _WORD.findall(text)][:12]


def _fts5_query(words: list[str]) -> str:
    return " ".join(f'"{w}"' for w in words)  # each word a quoted string: AND of all, no operators


class Search:
    def __init__(self, deps: Deps, links: ThreadLinks) -> None:
        self.deps = deps
        self.links = links

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        words = search_words(text)
        if not words:
            return []
        with self.deps.session() as session:
            try:
                tweets, drafts = self._indexed(session, words, limit)
            except (OperationalError, ProgrammingError):  # no FTS tables (e.g. a schema older than 0002)
                logger.warning("search.fts_unavailable dialect=%s", session.get_bind().dialect.name)
                session.rollback()
                tweets, drafts = self._like(session, words, limit)
            hits = self._tweet_hits(session, tweets) + self._draft_hits(session, drafts)
        hits.sort(key=lambda h: (-h.score, -h.created_at.timestamp()))
        return hits[:limit]

    def _indexed(
        self, session: Session, words: list[str], limit: int
    ) -> tuple[list[tuple[str, float]], list[tuple[int, float]]]:
        """The word index first; substrings where words have no spaces between them, are short, or are
        part of a longer word (a German compound), i.e. when the word index finds nothing."""
        if not wants_substrings(words):
            tweets, drafts = self._ranked(session, words, limit)
            if tweets or drafts or session.get_bind().dialect.name not in ("sqlite", "postgresql"):
                return tweets, drafts
        tweet_ids, draft_ids = substring_ids(session, words, limit)
        return [(t, 1.0) for t in tweet_ids], [(d, 1.0) for d in draft_ids]

    def _ranked(
        self, session: Session, words: list[str], limit: int
    ) -> tuple[list[tuple[str, float]], list[tuple[int, float]]]:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            q = _fts5_query(words)
            # bm25() is lower-is-better; negate so every backend ranks higher-is-better.
            tweets = session.execute(
                sa.text(
                    "SELECT rowid, -bm25(tweet_fts) AS s FROM tweet_fts WHERE tweet_fts MATCH :q "
                    "ORDER BY s DESC LIMIT :n"
                ),
                {"q": q, "n": limit * 2},
            ).all()
            drafts = session.execute(
                sa.text(
                    "SELECT rowid, -bm25(draft_fts) AS s FROM draft_fts WHERE draft_fts MATCH :q "
                    "ORDER BY s DESC LIMIT :n"
                ),
                {"q": q, "n": limit},
            ).all()
            return [(str(r[0]), float(r[1])) for r in tweets], [(int(r[0]), float(r[1])) for r in drafts]
        if dialect == "postgresql":
            q = " ".join(words)
            tweets = session.execute(
                sa.text(
                    "SELECT id, ts_rank(search_tsv, query) AS s "
                    "FROM tweet, plainto_tsquery('simple', :q) query "
                    "WHERE search_tsv @@ query ORDER BY s DESC LIMIT :n"
                ),
                {"q": q, "n": limit * 2},
            ).all()
            drafts = session.execute(
                sa.text(
                    "SELECT id, ts_rank(search_tsv, query) AS s "
                    "FROM draft, plainto_tsquery('simple', :q) query "
                    "WHERE search_tsv @@ query ORDER BY s DESC LIMIT :n"
                ),
                {"q": q, "n": limit},
            ).all()
            # ts_rank is on another scale than bm25; 10x brings single-word hits near FTS5's values.
            return [(str(r[0]), 10 * float(r[1])) for r in tweets], [
                (int(r[0]), 10 * float(r[1])) for r in drafts
            ]
        return self._like(session, words, limit)

    @staticmethod
    def _like(
        session: Session, words: list[str], limit: int
    ) -> tuple[list[tuple[str, float]], list[tuple[int, float]]]:
        """Slow fallback without a text index: every word as a substring, newest first."""
        tweet_where = [col(Tweet.text).ilike(f"%{w}%") for w in words]
        draft_where = [col(Draft.text).ilike(f"%{w}%") for w in words]
        tweets = session.exec(
            select(Tweet.id).where(*tweet_where).order_by(col(Tweet.created_at).desc()).limit(limit * 2)
        ).all()
        drafts = session.exec(
            select(Draft.id).where(*draft_where).order_by(col(Draft.created_at).desc()).limit(limit)
        ).all()
        return [(t, 1.0) for t in tweets], [(d, 1.0) for d in drafts if d is not None]

    def _tweet_hits(self, session: Session, ranked: list[tuple[str, float]]) -> list[SearchHit]:
        if not ranked:
            return []
        scores = dict(ranked)
        rows = session.exec(
            select(Tweet, Case, Customer)
            .join(Case, col(Case.id) == Tweet.case_id, isouter=True)
            .join(Customer, col(Customer.id) == Tweet.author_id, isouter=True)
            .where(
                col(Tweet.id).in_(list(scores)),
                col(Tweet.deleted_at).is_(None),
                col(Tweet.source).not_in(DM_SOURCES),  # DM text stays in the private DM channel
                col(Case.source).is_(None) | (col(Case.source) != CaseSource.DM),
            )
        ).all()
        return [
            SearchHit(
                kind="reply" if tweet.source == TweetSource.OURS else "post",
                text=tweet.text,
                created_at=tweet.created_at,
                score=scores[tweet.id],
                tweet_id=tweet.id,
                case_id=tweet.case_id,
                username=customer.username if customer else None,
                thread_link=self.links.thread(case.channel_id, case.thread_ts) if case else None,
            )
            for tweet, case, customer in rows
        ]

    def _draft_hits(self, session: Session, ranked: list[tuple[int, float]]) -> list[SearchHit]:
        if not ranked:
            return []
        scores = dict(ranked)
        rows = session.exec(
            select(Draft, Case)
            .join(Case, col(Case.id) == Draft.case_id)
            # A sent draft is already found as our reply on X (source "ours"); show it once.
            .where(
                col(Draft.id).in_(list(scores)),
                Draft.status != DraftStatus.SENT,
                col(Case.source) != CaseSource.DM,
            )
        ).all()
        return [
            SearchHit(
                kind="draft",
                text=draft.text,
                created_at=draft.created_at,
                score=scores[draft.id or 0],
                draft_id=draft.id,
                draft_status=draft.status,
                case_id=draft.case_id,
                thread_link=self.links.thread(case.channel_id, case.thread_ts),
            )
            for draft, case in rows
        ]
