"""The case card: its first post (once, with the lost-answer guard), follow-ups in its thread, moves to
another channel, and re-renders where the newest state wins."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlmodel import Session, col, select, update

from slackbridge.config import Settings
from slackbridge.models import (
    AuditAction,
    Case,
    CaseSource,
    Customer,
    CustomerNote,
    SlackSurface,
    Tweet,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.slack.blocks.card import (
    AuthorView,
    CardView,
    TweetView,
    build_case_card,
    build_degraded_card,
    build_followup,
    fallback_text,
    followup_text,
)
from slackbridge.slack.blocks.sla import ClockView
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces.base import (
    ATTEMPT_SLACK,
    Message,
    SurfaceStore,
    card_key,
    followup_key,
    parse_key,
)
from slackbridge.slack.surfaces.dm import dm_card_message, dm_followup_message, dm_info
from slackbridge.slack.surfaces.guard import CHANNEL_ERRORS, find_earlier

logger = logging.getLogger(__name__)

DELETED = "(deleted on X)"
WIPED = "(text removed: older than the retention period)"


def author_view(session: Session, author_id: str) -> AuthorView:
    customer = session.get(Customer, author_id)
    if customer is None:
        return AuthorView(username="unknown", name="Unknown account")
    return AuthorView(
        username=customer.username,
        name=customer.name,
        followers_count=customer.followers_count,
        verified=customer.verified,
    )


def tweet_view(session: Session, tweet: Tweet) -> TweetView:
    text = tweet.text if tweet.deleted_at is None else DELETED
    if tweet.text_wiped_at is not None and tweet.deleted_at is None:
        text = WIPED
    return TweetView(
        id=tweet.id, text=text, created_at=tweet.created_at, author=author_view(session, tweet.author_id)
    )


def card_view(deps: Deps, session: Session, case: Case) -> CardView:
    assert case.id is not None
    root = session.get(Tweet, case.root_tweet_id)
    if root is None:  # never expected: the root tweet is stored before its case
        raise LookupError(f"case {case.id} has no root tweet {case.root_tweet_id}")
    notes = session.exec(
        select(CustomerNote.text)
        .where(CustomerNote.customer_id == case.customer_id)
        .order_by(col(CustomerNote.id))
    ).all()
    moved = None
    if case.channel_id and root.slack_channel and case.channel_id != root.slack_channel:
        moved = case.channel_id
    return CardView(
        case_id=case.id,
        status=case.status,
        tweet=tweet_view(session, root),
        source=case.source,
        category=case.category,
        sentiment=case.sentiment,
        urgency=case.urgency,
        triage_reason=case.triage_reason,
        assignee_id=case.assignee_id,
        notes=list(notes),
        suggestions_enabled=True,
        moved_to_channel=moved,
        urgent_group=deps.settings.urgent_notify_group,
        clock=clock_view(case),
        writing_by=case.writing_by if case.writing_until and case.writing_until > utcnow() else None,
        outcome=case.outcome,
        dm_enabled=bool(deps.settings.dm_channel),
    )


def clock_view(case: Case) -> ClockView | None:
    if case.due_at is None:
        return None
    return ClockView(case.due_at, case.sla_state, case.snoozed_until, case.snoozed_by)


def card_message(view: CardView, *, degraded: bool = False) -> Message:
    """The case card; its plain form once Slack has refused the full card of this post (a poison post)."""
    if degraded:
        return Message(fallback_text(view), build_degraded_card(view))
    return Message(fallback_text(view), build_case_card(view))


def shown_degraded(session: Session, case: Case) -> bool:
    """A card whose first post Slack refused before is shown (and kept) in its plain form."""
    root = session.get(Tweet, case.root_tweet_id)
    return bool(root and root.delivery_failures)


def followup_message(case_id: int, view: TweetView) -> Message:
    if view.text == DELETED:
        return Message("A post deleted on X", build_followup(case_id, view))
    return Message(followup_text(view), build_followup(case_id, view))


def case_message(deps: Deps, session: Session, case: Case) -> Message:
    """The card as it is shown now: a DM case's own card, else the public card (plain once refused)."""
    view = card_view(deps, session, case)
    dm = dm_info(session, case)
    if dm is not None:
        return dm_card_message(view, dm)
    return card_message(view, degraded=shown_degraded(session, case))


def thread_message(session: Session, case_id: int, tweet: Tweet) -> Message:
    """A later post or DM in the case's thread."""
    case = session.get(Case, case_id)
    dm = dm_info(session, case) if case is not None else None
    if dm is not None:
        return dm_followup_message(case_id, tweet, tweet_view(session, tweet), dm)
    return followup_message(case_id, tweet_view(session, tweet))


def channel_for(settings: Settings, case: Case, triaged_channel: str | None = None) -> str:
    """Where a case's card belongs: the listening channel, a rule's channel, its category's, or the main."""
    if case.source == CaseSource.DM and settings.dm_channel:
        return settings.dm_channel
    if case.source == CaseSource.LISTEN and settings.listen_channel:
        return settings.listen_channel
    if triaged_channel:
        return triaged_channel
    return settings.category_channels.get(case.category or "", settings.slack_channel)


class Cards:
    def __init__(self, deps: Deps, store: SurfaceStore) -> None:
        self.deps = deps
        self.store = store

    # -- re-render -----------------------------------------------------------------------------------------

    def render(self, key: str) -> bool:
        """Show the case's current state on its card; a case without a card has nothing to show yet (its
        first post reads the state under the same claim, so it shows the newest)."""
        case_id = int(parse_key(key)[1])
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None or case.thread_ts is None or case.channel_id is None:
                return True
            message = case_message(self.deps, session, case)
            channel, ts = case.channel_id, case.thread_ts
        self.deps.slack.update(channel, ts, message.text, message.blocks)
        return True

    def render_followup(self, key: str) -> bool:
        tweet_id = parse_key(key)[1]
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or not tweet.slack_channel or not tweet.slack_ts or tweet.case_id is None:
                return True
            message = thread_message(session, tweet.case_id, tweet)
            channel, ts = tweet.slack_channel, tweet.slack_ts
        self.deps.slack.update(channel, ts, message.text, message.blocks)
        return True

    # -- first posts ---------------------------------------------------------------------------------------

    def post_card(self, case_id: int, tweet_id: str) -> bool:
        """The case's first card, shown once: a post whose Slack answer was lost is found, not re-posted.
        False when the case got its card meanwhile (this post belongs in its thread). Raises SlackError
        when Slack failed (the delivery round retries)."""
        key = card_key(case_id)
        with self.store.holding(key) as token:
            version = self.store.version(key)
            with self.deps.session() as session:
                case = session.get(Case, case_id)
                assert case is not None
                if case.thread_ts is not None:
                    return False
                message = case_message(self.deps, session, case)
                channel = case.channel_id or channel_for(self.deps.settings, case)
                private = dm_info(session, case) is not None
            main = self.deps.settings.slack_channel
            found = self._earlier_attempt(tweet_id, [channel, main])
            if found is not None:
                channel, ts = found
            else:
                try:
                    channel, ts = self.deps.slack.post_message(
                        channel, message.text, message.blocks, post_key=tweet_id
                    )
                except SlackError as exc:
                    if exc.code not in CHANNEL_ERRORS or channel == main or private:
                        raise  # a DM is never shown outside the private DM channel
                    # A routed channel that is archived or lacks the bot must not strand the post.
                    logger.error(
                        "cards.channel_unusable channel=%s error=%s fallback=%s", channel, exc.code, main
                    )
                    channel, ts = self.deps.slack.post_message(
                        main, message.text, message.blocks, post_key=tweet_id
                    )
            with self.deps.session() as session:
                case = session.get(Case, case_id)
                tweet = session.get(Tweet, tweet_id)
                assert case is not None and tweet is not None
                case.channel_id, case.thread_ts = channel, ts
                tweet.slack_channel, tweet.slack_ts = channel, ts
                session.add_all([case, tweet])
                audit.record(session, AuditAction.CASE_CARDED, case_id=case_id, channel=channel, ts=ts)
            # A card found again shows the state of its first attempt: render it once more.
            self.store.mark_rendered(key, version - 1 if found else version, token, channel=channel, ts=ts)
        return True

    def post_followup(self, case_id: int, tweet_id: str) -> None:
        """A later post of the conversation, in the card's thread, once (same guard as the card)."""
        key = followup_key(tweet_id)
        with self.store.holding(key) as token:
            version = self.store.version(key)
            with self.deps.session() as session:
                case = session.get(Case, case_id)
                tweet = session.get(Tweet, tweet_id)
                assert case is not None and tweet is not None and case.channel_id and case.thread_ts
                if tweet.slack_ts is not None:
                    return
                message = thread_message(session, case_id, tweet)
                channel, thread_ts = case.channel_id, case.thread_ts
            found = self._earlier_attempt(tweet_id, [channel], thread_ts=thread_ts)
            if found is not None:
                ts = found[1]
            else:
                ts = self.deps.slack.post(
                    channel, message.text, message.blocks, thread_ts=thread_ts, post_key=tweet_id
                )
            with self.deps.session() as session:
                tweet = session.get(Tweet, tweet_id)
                assert tweet is not None
                tweet.slack_channel, tweet.slack_ts = channel, ts
                session.add(tweet)
            self.store.mark_rendered(key, version, token, channel=channel, ts=ts)

    def _earlier_attempt(
        self, tweet_id: str, channels: list[str], *, thread_ts: str | None = None
    ) -> tuple[str, str] | None:
        """Note the attempt before showing a post; if an earlier attempt's outcome is unknown (Slack's
        answer lost, or the process died before saving the ts), look for that message instead."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            assert tweet is not None
            earlier = tweet.slack_attempted_at
            if earlier is None:
                tweet.slack_attempted_at = utcnow()
                session.add(tweet)
                return None
        since = earlier.timestamp() - ATTEMPT_SLACK
        return find_earlier(self.deps.slack, channels, tweet_id, since=since, thread_ts=thread_ts)

    # -- moves ---------------------------------------------------------------------------------------------

    def move(self, case_id: int, target: str) -> tuple[str, str] | None:
        """A new card in `target` becomes the case's thread; the old card points to it.

        Returns the new (channel, ts), or None when the case is gone or already there. Raises SlackError
        when Slack did not take the new card; a retry finds a card whose answer was lost."""
        key = card_key(case_id)
        with self.store.holding(key) as token:
            version = self.store.version(key)
            with self.deps.session() as session:
                case = session.get(Case, case_id)
                if case is None or case.channel_id == target:
                    return None
                old_channel, old_ts = case.channel_id, case.thread_ts
                view = card_view(self.deps, session, case)
                root = session.get(Tweet, case.root_tweet_id)
                since = (root.stored_at if root else utcnow()).timestamp() - ATTEMPT_SLACK
            # The new card shows the case itself, not a pointer (the root moves with it).
            message = card_message(replace(view, moved_to_channel=None))
            post_key = f"move:{case_id}:{old_ts}"
            found = None
            if self._attempted(post_key, target):
                found = find_earlier(self.deps.slack, [target], post_key, since=since)
            if found is not None:
                channel, ts = found
            else:
                channel, ts = self.deps.slack.post_message(
                    target, message.text, message.blocks, post_key=post_key
                )
            with self.deps.session() as session:
                same = col(Case.thread_ts).is_(None) if old_ts is None else col(Case.thread_ts) == old_ts
                moved = session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, same)
                    .values(channel_id=channel, thread_ts=ts, updated_at=utcnow())
                ).rowcount  # type: ignore[attr-defined]
                if not moved:  # a second move won the race: ours is a stray card
                    logger.warning("cards.move_raced case=%s", case_id)
                    return None
                case = session.get(Case, case_id)
                assert case is not None
                root = session.get(Tweet, case.root_tweet_id)
                if root is not None:  # the root now lives on the new card, which renders normally
                    root.slack_channel, root.slack_ts = channel, ts
                    session.add(root)
                audit.record(
                    session,
                    AuditAction.CASE_CARDED,
                    case_id=case_id,
                    channel=channel,
                    ts=ts,
                    moved_from=old_channel,
                )
            self.store.mark_rendered(key, version - 1 if found else version, token, channel=channel, ts=ts)
            if old_channel and old_ts:
                pointer = card_message(replace(view, moved_to_channel=channel))
                try:
                    self.deps.slack.update(old_channel, old_ts, pointer.text, pointer.blocks)
                except SlackError:
                    logger.exception("cards.old_card_update_failed case=%s", case_id)
        return channel, ts

    def _attempted(self, post_key: str, channel: str) -> bool:
        """Note an attempt to post under `post_key`; True when an earlier one may have reached Slack."""
        with self.deps.session() as session:
            row = session.get(SlackSurface, post_key)
            if row is not None and row.channel == channel:
                return True
            if row is None:
                row = SlackSurface(key=post_key, version=0, rendered=0)
            row.channel, row.updated_at = channel, utcnow()
            session.add(row)
        return False
