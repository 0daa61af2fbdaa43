"""Direct messages become cases: the brand's DM events are read within X's 15-per-15-minutes limit,
each stored once, and a DM from a customer with an open public case is linked to it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from slackbridge.db import hold_write_lock
from slackbridge.models import (
    AuditAction,
    Case,
    CaseSource,
    CaseStatus,
    Cursor,
    Tweet,
    TweetSource,
    utcnow,
)
from slackbridge.services import audit, csat
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import dm_case_key, group_case_key
from slackbridge.services.ingest import count_usage
from slackbridge.services.storing import upsert_customer
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import Surfaces, card_key
from slackbridge.slack.surfaces.dm import dmlink_key
from slackbridge.text import clean_text
from slackbridge.x.dms import XDmEvent
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

DM_CURSOR = "dm_events"  # the newest event id of the last complete sweep
DM_SWEEP_NEWEST = "dm_sweep_newest"  # the newest event id seen by the sweep under way
DM_PAGE = "dm_page"  # where the sweep under way goes on (X's pagination token)
DM_LAST_REQUEST = "dm_last_request"  # when we last asked X for DM events (Unix seconds)
DM_RETRY_AT = "dm_retry_at"  # X said 429: not before this (Unix seconds)
# X allows 15 reads of DM events per 15 minutes: one request a minute at most keeps any window at 15.
MIN_REQUEST_GAP = timedelta(seconds=60)
ATTACHMENT_NOTE = "[The customer attached a file: open the conversation on X to see it.]"


def _get(session: Session, name: str) -> str | None:
    row = session.get(Cursor, name)
    return row.value if row else None


def _put(session: Session, name: str, value: str | None) -> None:
    row = session.get(Cursor, name)
    if value is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = Cursor(name=name, value=value)
    row.value, row.updated_at = value, utcnow()
    session.add(row)


def _moment(raw: str | None) -> datetime | None:
    return datetime.fromtimestamp(float(raw), UTC) if raw else None


class DirectMessages:
    """Reading DMs into the store; their cards and threads are shown by the usual delivery."""

    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    @property
    def enabled(self) -> bool:
        return bool(self.deps.settings.dm_channel)

    def tell(self, case_id: int, user: str, text: str) -> None:
        """A notice only `user` sees, in the case's thread (modals have no response_url)."""
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            channel, thread = (case.channel_id, case.thread_ts) if case else (None, None)
        if not channel:
            return
        try:
            self.deps.slack.ephemeral(channel, user, text, thread_ts=thread)
        except SlackError:
            logger.exception("dms.notice_failed")

    def poll(self, *, now: datetime | None = None) -> int:
        """One request for DM events at most (paging back over several rounds); returns how many new
        messages were stored. Rounds too close to the last request, or before X's reset, do nothing."""
        now = now or utcnow()
        with self.deps.session() as session:
            retry_at = _moment(_get(session, DM_RETRY_AT))
            last = _moment(_get(session, DM_LAST_REQUEST))
            cursor = _get(session, DM_CURSOR)
            sweep_newest = _get(session, DM_SWEEP_NEWEST)
            token = _get(session, DM_PAGE)
        if retry_at is not None and now < retry_at:
            return 0
        if last is not None and now - last < MIN_REQUEST_GAP:
            return 0
        brand_id = self.deps.brand().id
        with self.deps.session() as session:  # counted before asking: a crash mid-request still counts
            _put(session, DM_LAST_REQUEST, str(now.timestamp()))
            _put(session, DM_RETRY_AT, None)
        try:
            page = self.deps.x.dm_events(pagination_token=token)
        except XError as exc:
            if exc.kind != XErrorKind.RATE_LIMITED:
                raise
            reset = exc.retry_at or now + timedelta(minutes=15)
            logger.warning("dms.rate_limited until=%s", reset.isoformat())
            with self.deps.session() as session:
                _put(session, DM_RETRY_AT, str(reset.timestamp()))
            return 0
        events = page.events
        ids = [int(e.id) for e in events]
        reached = cursor is not None and any(i <= int(cursor) for i in ids)
        fresh = [e for e in events if cursor is None or int(e.id) > int(cursor)]
        newest = max([*ids, int(sweep_newest or 0), int(cursor or 0)], default=0)
        with self.deps.session() as session:
            stored = self._store(session, fresh, brand_id)
            if events:
                count_usage(session, "dm_read", reads=len(events))
            # The first run reads one page (X keeps 30 days; older DMs are not worth the rate limit).
            if reached or not page.next_token or cursor is None:
                _put(session, DM_CURSOR, str(newest) if newest else cursor)
                _put(session, DM_SWEEP_NEWEST, None)
                _put(session, DM_PAGE, None)
            else:
                _put(session, DM_SWEEP_NEWEST, str(newest))
                _put(session, DM_PAGE, page.next_token)
        if stored:
            logger.info("dms.stored count=%d", stored)
        return stored

    def _store(self, session: Session, events: list[XDmEvent], brand_id: str) -> int:
        if not events:
            return 0
        known = set(session.exec(select(Tweet.id).where(col(Tweet.id).in_([e.id for e in events]))).all())
        hold_write_lock(session)
        stored = 0
        for event in sorted(events, key=lambda e: int(e.id)):
            if event.id in known:
                continue
            try:
                with session.begin_nested():
                    self._store_one(session, event, brand_id)
            except IntegrityError:  # recorded meanwhile by the sender of this very DM
                logger.info("dms.stored_elsewhere event=%s", event.id)
                continue
            stored += 1
        return stored

    def _store_one(self, session: Session, event: XDmEvent, brand_id: str) -> None:
        ours = event.sender_id == brand_id
        if event.sender is not None and not ours:
            upsert_customer(session, event.sender)
        others = [p for p in event.participant_ids if p != brand_id]
        customer_id = event.sender_id if not ours else (others[0] if others else event.sender_id)
        key = group_case_key(event.dm_conversation_id) if event.is_group else dm_case_key(customer_id)
        case = session.exec(select(Case).where(Case.conversation_id == key)).first()
        text = clean_text(event.text)
        if event.has_attachments:
            text = f"{text}\n{ATTACHMENT_NOTE}".strip()
        tweet = Tweet(
            id=event.id,
            author_id=clean_text(event.sender_id, 32),
            conversation_id=key,
            text=text,
            created_at=event.created_at,
            quoted_tweet_id=event.referenced_tweet_ids[0][:32] if event.referenced_tweet_ids else None,
            source=TweetSource.DM_OURS if ours else TweetSource.DM,
        )
        if case is None:
            case = self._open(session, tweet, customer_id, event.dm_conversation_id, ours=ours)
        tweet.case_id = case.id
        session.add(tweet)
        audit.record(session, AuditAction.TWEET_STORED, case_id=case.id, tweet_id=event.id, source="dm")
        if not ours and csat.record_answer(session, case, text, at=event.created_at):
            assert case.id is not None
            self.surfaces.touch(session, card_key(case.id))

    def _open(
        self, session: Session, root: Tweet, customer_id: str, conversation: str, *, ours: bool
    ) -> Case:
        """A new DM case in the DM channel, linked to the customer's open public case if there is one."""
        public = session.exec(
            select(Case)
            .where(
                Case.customer_id == customer_id,
                Case.source != CaseSource.DM,
                Case.status != CaseStatus.RESOLVED,
            )
            .order_by(col(Case.updated_at).desc())
        ).first()
        case = Case(
            conversation_id=root.conversation_id,
            root_tweet_id=root.id,
            customer_id=customer_id,
            source=CaseSource.DM,
            status=CaseStatus.WAITING if ours else CaseStatus.OPEN,
            channel_id=self.deps.settings.dm_channel,
            dm_conversation_id=conversation[:80],
            waiting_since=None if ours else root.created_at,
            linked_case_id=public.id if public else None,
        )
        session.add(case)
        session.flush()
        audit.record(
            session,
            AuditAction.CASE_OPENED,
            case_id=case.id,
            tweet_id=root.id,
            dm=True,
            continues=public.id if public else None,
        )
        if public is not None and public.id is not None:
            public.linked_case_id = case.id
            session.add(public)
            self.surfaces.touch(session, dmlink_key(public.id), card_key(public.id))
        return case
