"""Keyword listening: X searches polled under a daily read budget, hits carded in the listening channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select, update

from slackbridge.models import AuditAction, ListenQuery, TweetSource, XUsage, utcnow
from slackbridge.services import audit
from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import Ingest, count_usage
from slackbridge.services.storing import store_tweets
from slackbridge.text import clean_text, escape_code, mentions_account
from slackbridge.x.types import XError, XErrorKind, XTweet

logger = logging.getLogger(__name__)

QUERY_LIMIT = 512
MIN_PAGE = 10  # recent search refuses max_results below 10
MAX_PAGE = 100
MAX_QUERIES = 25
# No referenced_tweets.id expansion: each expanded post is billed as a read, and a card does not need it.
LISTEN_EXPANSIONS = ["author_id"]
APPROVERS_ONLY = "Only approvers can change what we listen for. Ask a manager."


@dataclass(frozen=True)
class ListenLine:
    id: int
    query: str
    created_by: str
    created_at: datetime


def reads_today(session: Session) -> int:
    """Every post read from X today (all purposes): what the pay-per-use bill counts."""
    day = utcnow().strftime("%Y-%m-%d")
    return int(session.exec(select(func.coalesce(func.sum(XUsage.reads), 0)).where(XUsage.day == day)).one())


def clean_query(text: str) -> str:
    """`"acme refund"` as typed in Slack (curly quotes too) becomes the X query inside the outer quotes."""
    text = clean_text(text).strip().replace("\u201c", '"').replace("\u201d", '"').replace("\u201e", '"')
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and text.count('"') == 2:
        text = text[1:-1].strip()
    return " ".join(text.split())


class Listening:
    def __init__(self, deps: Deps, ingest: Ingest, approvers: Approvers) -> None:
        self.deps = deps
        self.ingest = ingest
        self.approvers = approvers

    def add(self, raw_query: str, *, user: str) -> str:
        if not self.approvers.is_approver(user):
            return APPROVERS_ONLY
        query = clean_query(raw_query)
        if not query:
            return 'Give the X search to listen for, e.g. `listen add "acme refund -is:retweet"`.'
        if len(query) > QUERY_LIMIT:
            return f"X search queries are limited to {QUERY_LIMIT} characters; this one has {len(query)}."
        with self.deps.session() as session:
            active = session.exec(
                select(func.count()).select_from(ListenQuery).where(col(ListenQuery.active))
            ).one()
            if active >= MAX_QUERIES:
                return f"There are already {active} listening queries; remove one first."
            row = ListenQuery(query=query, created_by=user)
            session.add(row)
            session.flush()
            audit.record(session, AuditAction.LISTEN_ADDED, actor=user, query_id=row.id, query=query)
            number = row.id
        where = f" in <#{self.deps.settings.listen_channel}>" if self.deps.settings.listen_channel else ""
        return f"Listening query {number} added: `{escape_code(query)}`. Hits will appear{where} as cards."

    def remove(self, number: int, *, user: str) -> str:
        if not self.approvers.is_approver(user):
            return APPROVERS_ONLY
        with self.deps.session() as session:
            done = session.execute(
                update(ListenQuery)
                .where(col(ListenQuery.id) == number, col(ListenQuery.active))
                .values(active=False)
            ).rowcount  # type: ignore[attr-defined]
            if not done:
                return f"There is no active listening query {number}: see `/tweetcare listen list`."
            audit.record(session, AuditAction.LISTEN_REMOVED, actor=user, query_id=number)
        return f"Listening query {number} removed."

    def active(self) -> list[ListenLine]:
        with self.deps.session() as session:
            rows = session.exec(
                select(ListenQuery).where(col(ListenQuery.active)).order_by(col(ListenQuery.id))
            ).all()
            return [ListenLine(r.id or 0, r.query, r.created_by, r.created_at) for r in rows]

    def poll(self) -> int:
        """One round over every active query, newest posts first, never past today's read budget."""
        if not self.deps.settings.listen_channel:
            return 0
        brand = self.deps.brand()
        stored = 0
        for line in self.active():
            with self.deps.session() as session:
                remaining = self.deps.settings.daily_read_budget - reads_today(session)
                since = session.get(ListenQuery, line.id)
                since_id = since.since_id if since else None
            if remaining < MIN_PAGE:
                logger.info("listen.budget_spent remaining=%d", remaining)
                break
            try:
                tweets, newest = self._fetch(line.query, since_id, remaining)
            except XError as exc:
                if exc.kind in (XErrorKind.BAD_REQUEST, XErrorKind.NOT_ALLOWED):
                    logger.warning("listen.query_refused query_id=%s detail=%s", line.id, exc.message)
                    continue
                raise
            # Posts that mention the brand are the mentions poller's: cards with a reply button, not here.
            watched = [t for t in tweets if not mentions_account(t.text, brand.username)]
            with self.deps.session() as session:
                new_ids = store_tweets(session, watched, TweetSource.LISTEN, brand_id=brand.id)
                if tweets:
                    count_usage(session, "listen", reads=len(tweets))
                row = session.get(ListenQuery, line.id)
                if row is not None and newest and (row.since_id is None or int(newest) > int(row.since_id)):
                    row.since_id = newest
                    session.add(row)
            stored += len(new_ids)
        return stored

    def _fetch(self, query: str, since_id: str | None, budget: int) -> tuple[list[XTweet], str | None]:
        """Pages of one query, each asking X for no more posts than the budget still allows."""
        tweets: list[XTweet] = []
        newest: str | None = None
        token: str | None = None
        while budget - len(tweets) >= MIN_PAGE:
            page = self.deps.x.search_recent(
                query,
                since_id=since_id,
                next_token=token,
                max_results=min(MAX_PAGE, budget - len(tweets)),
                expansions=LISTEN_EXPANSIONS,
            )
            newest = newest or page.newest_id
            tweets.extend(page.tweets)
            token = page.next_token
            if not token or since_id is None:  # first run: start from the newest page, not a week back
                break
        return tweets, newest
