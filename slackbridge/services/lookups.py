"""Read-only answers for /tweetcare and the Home tab: who a customer is, what a post became, what waits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from slackbridge.models import (
    Case,
    CaseSource,
    CaseStatus,
    Customer,
    CustomerNote,
    Draft,
    DraftStatus,
    SlaState,
    Tweet,
)
from slackbridge.services.deps import Deps
from slackbridge.services.dm_access import DM_MASK
from slackbridge.services.links import ThreadLinks

HISTORY_LIMIT = 15
LIST_LIMIT = 20
# service levels: breached cases lead every list of work
BREACHED_FIRST = sa.case((col(Case.sla_state) == SlaState.BREACHED, 0), else_=1)
_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")


def parse_handle(text: str) -> str | None:
    """An X handle as staff type it (`@jane`, `jane`, or Slack's `<https://x.com/jane|@jane>`)."""
    text = text.strip().strip("<>").split("|")[-1].strip()
    match = _HANDLE.match(text)
    return match.group(1) if match else None


@dataclass(frozen=True)
class CaseLine:
    case_id: int
    status: str
    source: str
    category: str | None
    created_at: datetime
    tweet_id: str
    text: str
    username: str
    assignee_id: str | None = None
    waiting_since: datetime | None = None
    reply: str | None = None  # the last reply we sent on X
    thread_link: str | None = None
    breached: bool = False  # service levels: past its due time, so listed first


@dataclass(frozen=True)
class NoteLine:
    author_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    username: str
    name: str
    followers_count: int | None
    verified: bool
    first_seen_at: datetime
    total_cases: int
    cases: list[CaseLine] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)


@dataclass(frozen=True)
class PendingLine:
    draft_id: int
    version: int
    case_id: int
    text: str
    author_id: str
    created_at: datetime
    username: str
    thread_link: str | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    items: list[T]
    total: int


def find_customer(session: Session, handle: str) -> Customer | None:
    return session.exec(
        select(Customer)
        .where(func.lower(Customer.username) == handle.lower())
        .order_by(col(Customer.id))
        .limit(1)
    ).first()


def _dm_filter(with_dms: bool) -> sa.ColumnElement[bool]:
    """DM cases are listed only to people in the DM channel."""
    return sa.true() if with_dms else col(Case.source) != CaseSource.DM


class Lookups:
    def __init__(self, deps: Deps, links: ThreadLinks) -> None:
        self.deps = deps
        self.links = links

    def customer(self, handle: str, *, with_dms: bool = False) -> CustomerProfile | None:
        """Profile, every case newest first (with the reply we sent) and the staff notes; DM cases only
        `with_dms` (for people in the DM channel)."""
        with self.deps.session() as session:
            customer = find_customer(session, handle)
            if customer is None:
                return None
            theirs = sa.and_(col(Case.customer_id) == customer.id, _dm_filter(with_dms))
            total = session.exec(select(func.count()).select_from(Case).where(theirs)).one()
            cases = session.exec(
                select(Case)
                .where(theirs)
                .order_by(col(Case.created_at).desc(), col(Case.id).desc())
                .limit(HISTORY_LIMIT)
            ).all()
            lines = self._lines(session, list(cases), with_reply=True)
            notes = session.exec(
                select(CustomerNote)
                .where(CustomerNote.customer_id == customer.id)
                .order_by(col(CustomerNote.id).desc())
                .limit(10)
            ).all()
            return CustomerProfile(
                username=customer.username,
                name=customer.name,
                followers_count=customer.followers_count,
                verified=customer.verified,
                first_seen_at=customer.first_seen_at,
                total_cases=int(total),
                cases=lines,
                notes=[NoteLine(n.author_id, n.text, n.created_at) for n in notes],
            )

    def case_for_tweet(self, tweet_id: str) -> CaseLine | None:
        """The case a stored post belongs to; None when we never stored it (or it has no case yet)."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or tweet.case_id is None:
                return None
            case = session.get(Case, tweet.case_id)
            if case is None:
                return None
            [line] = self._lines(session, [case], with_reply=True)
            return line

    def queue(self, limit: int = LIST_LIMIT, *, with_dms: bool = False) -> Listing[CaseLine]:
        """Open cases waiting on us: breached first, then oldest first (listening hits wait on nobody)."""
        where = sa.and_(
            col(Case.status) == CaseStatus.OPEN,
            col(Case.waiting_since).is_not(None),
            col(Case.source) != CaseSource.LISTEN,
            _dm_filter(with_dms),
        )
        with self.deps.session() as session:
            total = session.exec(select(func.count()).select_from(Case).where(where)).one()
            cases = session.exec(
                select(Case)
                .where(where)
                .order_by(BREACHED_FIRST, col(Case.waiting_since), col(Case.id))
                .limit(limit)
            ).all()
            return Listing(self._lines(session, list(cases)), int(total))

    def mine(self, user: str, limit: int = 10, *, with_dms: bool = False) -> list[CaseLine]:
        """Unresolved cases assigned to this person or with a draft they wrote, most recent first."""
        drafted = select(Draft.case_id).where(Draft.author_id == user)
        with self.deps.session() as session:
            cases = session.exec(
                select(Case)
                .where(
                    Case.status != CaseStatus.RESOLVED,
                    sa.or_(col(Case.assignee_id) == user, col(Case.id).in_(drafted)),
                    _dm_filter(with_dms),
                )
                .order_by(BREACHED_FIRST, col(Case.updated_at).desc())
                .limit(limit)
            ).all()
            return self._lines(session, list(cases))

    def pending(self, limit: int = LIST_LIMIT, *, with_dms: bool = False) -> Listing[PendingLine]:
        """Drafts waiting for an approver, oldest first (a DM draft's text is never listed)."""
        with self.deps.session() as session:
            total = session.exec(
                select(func.count())
                .select_from(Draft)
                .join(Case, col(Case.id) == Draft.case_id)
                .where(Draft.status == DraftStatus.PENDING, _dm_filter(with_dms))
            ).one()
            rows = session.exec(
                select(Draft, Case, Customer)
                .join(Case, col(Case.id) == Draft.case_id)
                .join(Customer, col(Customer.id) == Case.customer_id, isouter=True)
                .where(Draft.status == DraftStatus.PENDING, _dm_filter(with_dms))
                .order_by(col(Draft.created_at), col(Draft.id))
                .limit(limit)
            ).all()
            items = [
                PendingLine(
                    draft_id=draft.id or 0,
                    version=draft.version,
                    case_id=draft.case_id,
                    text=DM_MASK if case.source == CaseSource.DM else draft.text,
                    author_id=draft.author_id,
                    created_at=draft.created_at,
                    username=customer.username if customer else "unknown",
                    thread_link=self.links.thread(case.channel_id, case.thread_ts),
                )
                for draft, case, customer in rows
            ]
            return Listing(items, int(total))

    def _lines(self, session: Session, cases: list[Case], *, with_reply: bool = False) -> list[CaseLine]:
        if not cases:
            return []
        roots = {
            t.id: t
            for t in session.exec(select(Tweet).where(col(Tweet.id).in_([c.root_tweet_id for c in cases])))
        }
        customer_ids = {c.customer_id for c in cases}
        names = dict(
            session.exec(
                select(Customer.id, Customer.username).where(col(Customer.id).in_(customer_ids))
            ).all()
        )
        replies: dict[int, str] = {}
        if with_reply:
            sent = session.exec(
                select(Draft.case_id, Draft.text)
                .where(col(Draft.case_id).in_([c.id for c in cases]), Draft.status == DraftStatus.SENT)
                .order_by(col(Draft.sent_at))
            ).all()
            replies = {case_id: text for case_id, text in sent}  # the latest sent wins
        lines = []
        for case in cases:
            assert case.id is not None
            root = roots.get(case.root_tweet_id)
            text = "(deleted on X)" if root is None or root.deleted_at else root.text
            if case.source == CaseSource.DM:  # DM text stays in the private DM channel
                text = DM_MASK
            elif root is not None and root.text_wiped_at is not None and root.deleted_at is None:
                text = "(text removed: older than the retention period)"
            lines.append(
                CaseLine(
                    case_id=case.id,
                    status=case.status,
                    source=case.source,
                    category=case.category,
                    created_at=case.created_at,
                    tweet_id=case.root_tweet_id,
                    text=text,
                    username=names.get(case.customer_id, "unknown"),
                    assignee_id=case.assignee_id,
                    waiting_since=case.waiting_since,
                    reply=None if case.source == CaseSource.DM else replies.get(case.id),
                    thread_link=self.links.thread(case.channel_id, case.thread_ts),
                    breached=case.status == CaseStatus.OPEN and case.sla_state == SlaState.BREACHED,
                )
            )
        return lines
