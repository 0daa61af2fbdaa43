"""Approval: the only path to X. A draft is claimed with a conditional update before X is called."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from slackbridge import messages
from slackbridge.ai.validate import Problem, ProblemCode, check_suggestion, link_hosts
from slackbridge.models import (
    AuditAction,
    Case,
    CaseSource,
    CaseStatus,
    Customer,
    Draft,
    DraftOrigin,
    DraftStatus,
    Tweet,
    utcnow,
)
from slackbridge.services import audit, turns
from slackbridge.services.cases import Cases
from slackbridge.services.deps import Deps
from slackbridge.services.dm_sending import (
    DmSending,
    describe_dm_error,
    dm_case_of,
    no_retry,
    reply_check,
    sent_fields,
)
from slackbridge.services.drafts import Drafts
from slackbridge.services.ingest import count_usage
from slackbridge.services.notices import Notices
from slackbridge.services.outcome import Outcome
from slackbridge.services.sla_clock import close_turn
from slackbridge.slack.blocks.common import slack_date
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import card_key, draft_key
from slackbridge.text import tweet_url
from slackbridge.x.prices import Billed
from slackbridge.x.types import PostedTweet, XError, XErrorKind

logger = logging.getLogger(__name__)

# A draft is stamped right before X is called; a live sender settles it within its X calls' timeouts (a
# reconcile lookup and the post). Older than this, its process died mid-post: X is checked, never posted to.
STUCK_MARGIN = timedelta(seconds=30)
X_CALLS_IN_FLIGHT = 3  # the lookup may take two requests, the post one
# How far before the first attempt a reply is looked for on X (clock skew between us and X).
RECONCILE_SLACK = timedelta(minutes=2)


_URL = re.compile(r"https?://\S+")


def comparable(text: str) -> str:
    """Post text as X may return it: links rewritten (t.co), whitespace folded."""
    return " ".join(_URL.sub("<link>", text).split())


ApprovalOutcome = Outcome  # ok: the reply is on X; notice: for the clicker, when something did not happen


class Approvers:
    """Who may approve: listed user ids, plus members of listed user groups (looked up, cached)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def is_approver(self, user_id: str) -> bool:
        entries = self.deps.settings.approvers
        if user_id in entries:
            return True
        for group in (e for e in entries if e.startswith("S")):
            try:
                if user_id in self.deps.slack.group_members(group):
                    return True
            except SlackError:
                logger.exception("approvers.group_lookup_failed group=%s", group)
        return False


# X's answers that a retry cannot change: the reply rule or a duplicate (403), the post gone, a bad request.


def describe_x_error(error: XError, *, brand: str | None, target_url: str) -> str:
    """X's failure in plain words, with what to do next."""
    if error.kind == XErrorKind.NOT_ALLOWED:
        return (
            f"X did not allow this reply ({error.message}). X only accepts API replies to posts whose author "
            f"mentioned or quoted @{brand or 'the brand'}; answer on X itself: {target_url}"
        )
    if error.kind == XErrorKind.RATE_LIMITED:
        when = slack_date(error.retry_at) if error.retry_at else "a few minutes"  # each reader's time zone
        return f"X's rate limit for posting was reached. Retry after {when}."
    if error.kind == XErrorKind.AUTH:
        return "X rejected slackbridge's credentials: an admin must check the X keys. Nothing was posted."
    if error.kind == XErrorKind.PAYMENT:
        return (
            "X refused: the X developer account is out of credits. Nothing was posted: an admin must buy "
            "credits in the X developer console, then retry."
        )
    if error.kind == XErrorKind.NOT_FOUND:
        return "The customer's post no longer exists on X (deleted?), so there is nothing to reply to."
    if error.kind == XErrorKind.BAD_REQUEST:
        return f"X refused the reply as malformed: {error.message}"
    if error.ambiguous:
        return (
            "X did not confirm the post (server error or timeout). Retry: slackbridge checks X first, "
            "so it is never posted twice."
        )
    return "X could not be reached (server error or timeout). Nothing was posted: retry in a moment."


def billed_as(text: str, source: str) -> str:
    """How X bills this reply: a link costs most; a reply to a post that mentions us costs least."""
    if link_hosts(text):
        return Billed.POST_URL
    return Billed.REPLY if source == CaseSource.MENTION else Billed.POST


class Approval:
    def __init__(self, deps: Deps, drafts: Drafts, cases: Cases, approvers: Approvers) -> None:
        self.deps = deps
        self.drafts = drafts
        self.cases = cases
        self.approvers = approvers
        self.notices = Notices(deps)  # approval turns: the writer hears what became of their draft
        self.four_eyes: Callable[[int, str], str | None] = lambda draft_id, user: None  # set by app.py
        self.dms = DmSending(deps)  # drafts of DM cases go out as direct messages (issue 8)

    def approve(
        self, draft_id: int, *, user: str, expected_version: int, redelivered: bool = False
    ) -> Outcome:
        """Approve and post; safe against double clicks, two approvers and retried requests. Approvers'
        Home tabs follow once the outcome is known (sent, or failed and back in their lists).

        `redelivered`: this click was stored, and the process handling it died (its claim lapsed). A draft
        that click left 'sending' is finished now, from what X shows, instead of waiting for recovery."""
        if not self.approvers.is_approver(user):
            with self.deps.session() as session:
                draft = session.get(Draft, draft_id)
                audit.record(
                    session,
                    AuditAction.APPROVAL_DENIED,
                    actor=user,
                    draft_id=draft_id,
                    case_id=draft.case_id if draft else None,
                )
            return Outcome(False, messages.APPROVERS_ONLY_SEND)
        blocked = self.four_eyes(draft_id, user) or self._blocking_problem(draft_id, user)
        if blocked:
            return Outcome(False, blocked)

        try:
            self.deps.brand()  # known before posting, so nothing after the post needs X
        except XError as exc:
            return Outcome(False, f"X could not be reached ({exc.kind}); nothing was posted. Try again.")

        now = utcnow()
        with self.deps.session() as session:
            taken = self._turn_taken(session, draft_id, user, redelivered)
            if taken:
                return Outcome(False, taken)
            conditions = [
                col(Draft.id) == draft_id,
                col(Draft.status).in_([DraftStatus.PENDING, DraftStatus.FAILED]),
                col(Draft.version) == expected_version,
            ]
            claimed = session.execute(
                update(Draft)
                .where(*conditions)
                .values(
                    status=DraftStatus.SENDING,
                    approver_id=user,
                    approved_at=now,
                    first_attempt_at=sa.func.coalesce(Draft.first_attempt_at, now),
                    updated_at=now,
                )
            ).rowcount  # type: ignore[attr-defined]
            draft = session.get(Draft, draft_id)
            if draft is None:
                return Outcome(False, messages.DRAFT_GONE)
            if not claimed and not self._finishes_dead_click(draft, user, expected_version, redelivered):
                return Outcome(False, self._why_not(draft))
            audit.record(
                session,
                AuditAction.DRAFT_APPROVED,
                actor=user,
                case_id=draft.case_id,
                draft_id=draft_id,
                origin=str(draft.origin),
                author=draft.author_id,
                edited_by=draft.edited_by,
            )
            was_ambiguous = draft.error_ambiguous or not claimed
            self.drafts.surfaces.touch(session, draft_key(draft_id))
        self.drafts.surfaces.show(draft_key(draft_id))
        self._stamp_sending(draft_id)  # from here on, only X calls stand between us and the outcome

        if was_ambiguous:
            try:
                found = self._find_on_x(draft)
            except XError as exc:
                self._mark_failed(
                    draft_id, XError(exc.kind, exc.message, exc.status, exc.retry_at, True), actor=user
                )
                return Outcome(False, None)
            if found is not None:
                self._mark_sent(draft_id, found, actor=user, reconciled=True)
                return Outcome(
                    True, "It had reached X after all: the reply is shown as sent, not posted again."
                )

        try:
            posted = self._post(draft)
        except XError as exc:
            self._mark_failed(draft_id, exc, actor=user)
            return Outcome(False, None)
        self._mark_sent(draft_id, posted, actor=user)
        return Outcome(True)

    def _post(self, draft: Draft) -> PostedTweet:
        with self.deps.session() as session:
            dm_case = dm_case_of(session, draft)
        if dm_case is not None:
            return self.dms.post(draft, dm_case)
        return self.deps.x.post_reply(draft.text, draft.in_reply_to_tweet_id)

    def _blocking_problem(self, draft_id: int, user: str) -> str | None:
        """What stops a draft from going out as it is: X's length, and for a machine-made draft that no
        person has edited, the suggestion checks (foreign @mentions, links off the allowed domains,
        unfilled placeholders). Editing makes the text a person's own, checked for length only."""
        with self.deps.session() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                return None
            problems: list[str] = []
            check = reply_check(session, draft.case_id, draft.text)
            if not check.ok and check.problem:
                problems.append(check.problem)
            if draft.origin != DraftOrigin.HUMAN and draft.edited_by is None:
                problems += [
                    p.message
                    for p in self._suggestion_problems(session, draft)
                    if p.code != ProblemCode.TOO_LONG
                ]
            if not problems:
                return None
            audit.record(
                session,
                AuditAction.APPROVAL_DENIED,
                actor=user,
                case_id=draft.case_id,
                draft_id=draft_id,
                reason="checks",
                problems=problems,
            )
        return f"Not sent: {' '.join(problems)} Use Edit to fix it, then approve."

    def _suggestion_problems(self, session: Session, draft: Draft) -> list[Problem]:
        target = session.get(Tweet, draft.in_reply_to_tweet_id)
        customer = session.get(Customer, target.author_id) if target else None
        return check_suggestion(
            draft.text,
            customer_username=customer.username if customer else "",
            allowed_domains=self.deps.settings.allowed_link_domains,
        )

    def _turn_taken(self, session: Session, draft_id: int, user: str, redelivered: bool) -> str | None:
        """One answer per turn: refused while another draft of the case is being posted, or when the
        draft's turn was answered (then it is superseded, unless it is a follow-up)."""
        case_id = session.exec(select(Draft.case_id).where(Draft.id == draft_id)).first()
        if case_id is None:
            return None
        turns.lock_case(session, case_id)
        draft = session.get(Draft, draft_id)
        if draft is None or (redelivered and draft.status == DraftStatus.SENDING):
            return None
        taken = turns.turn_taken(session, draft)
        answered = turns.answered_in(session, draft.case_id, draft.turn_tweet_id, besides=draft_id)
        if taken and answered is not None and answered.status == DraftStatus.SENT and not draft.followup:
            keys = turns.supersede(session, [draft_id], actor=user, by=answered.id)
            self.drafts.surfaces.touch(session, *(draft_key(i) for i in keys))
            session.commit()
            self.drafts.surfaces.show(draft_key(draft_id))
        session.expire_all()  # the claim below reads the draft afresh
        return taken

    @staticmethod
    def _finishes_dead_click(draft: Draft, user: str, expected_version: int, redelivered: bool) -> bool:
        """The same click, handled again because its first handler died mid-post: the draft it left in
        'sending' (same approver, same text) is ours to finish, looking on X before posting."""
        return (
            redelivered
            and draft.status == DraftStatus.SENDING
            and draft.approver_id == user
            and draft.version == expected_version
        )

    @staticmethod
    def _why_not(draft: Draft) -> str:
        if draft.status == DraftStatus.SENT:
            return f"Already sent on X (approved by <@{draft.approver_id}>)."
        if draft.status == DraftStatus.SENDING:
            return f"<@{draft.approver_id}> approved it a moment ago; it is being posted."
        if draft.status == DraftStatus.DISCARDED:
            return "This draft was discarded."
        return "This draft was edited after you opened it: read the new text, then approve again."

    def _find_on_x(self, draft: Draft) -> PostedTweet | None:
        """Was this draft posted after all (a timeout or crash after X received it)?

        X rewrites links to t.co in the text it returns, so the reply target and time decide; the text
        only picks between several candidates. Replies already recorded for other drafts are skipped."""
        with self.deps.session() as session:
            dm_case = dm_case_of(session, draft)
        if dm_case is not None:
            return self.dms.find(draft, dm_case)
        first = draft.first_attempt_at or draft.approved_at or draft.updated_at
        try:
            own = self.deps.x.recent_own_tweets(self.deps.brand().id, start_time=first - RECONCILE_SLACK)
        except XError:
            logger.exception("approval.reconcile_lookup_failed draft=%s", draft.id)
            raise
        candidates = [t for t in own if t.in_reply_to_tweet_id == draft.in_reply_to_tweet_id]
        if not candidates:
            return None
        with self.deps.session() as session:
            known = set(session.exec(select(Tweet.id).where(col(Tweet.id).in_([t.id for t in candidates]))))
        candidates = [t for t in candidates if t.id not in known]
        if not candidates:
            return None
        wanted = comparable(draft.text)
        exact = [t for t in candidates if comparable(t.text) == wanted]
        found = min(exact or candidates, key=lambda t: int(t.id))
        return PostedTweet(id=found.id, text=found.text)

    def _mark_sent(self, draft_id: int, posted: PostedTweet, *, actor: str, reconciled: bool = False) -> None:
        brand_id = self.deps.brand().id  # resolved before the post: no X call here
        homes = self.drafts.surfaces.approver_homes()  # today's figures on their Home tabs change
        now = utcnow()
        with self.deps.session() as session:
            # A draft written on this case meanwhile waits for this to commit, then sees its turn answered;
            # one written just before is superseded below (approvals lock the case first too: no deadlock).
            case_id = session.exec(select(Draft.case_id).where(col(Draft.id) == draft_id)).first()
            if case_id is not None:
                turns.lock_case(session, case_id)
            # The post is live: record it whatever a concurrent recovery wrote, unless already recorded.
            marked = session.execute(
                update(Draft)
                .where(col(Draft.id) == draft_id, col(Draft.status) != DraftStatus.SENT)
                .values(
                    status=DraftStatus.SENT,
                    sent_tweet_id=posted.id,
                    sent_at=now,
                    last_error=None,
                    error_ambiguous=False,
                    updated_at=now,
                )
            ).rowcount  # type: ignore[attr-defined]
            if not marked:
                return
            draft = session.get(Draft, draft_id)
            assert draft is not None
            case = session.get(Case, draft.case_id)
            assert case is not None
            if session.get(Tweet, posted.id) is None:
                session.add(
                    Tweet(
                        id=posted.id,
                        author_id=brand_id,
                        conversation_id=case.conversation_id,
                        text=posted.text,
                        created_at=now,
                        in_reply_to_tweet_id=draft.in_reply_to_tweet_id,
                        case_id=case.id,
                        **sent_fields(case),
                    )
                )
            if case.status == CaseStatus.OPEN:
                case.status = CaseStatus.WAITING
                audit.record(session, AuditAction.CASE_WAITING, actor=actor, case_id=case.id)
            case.waiting_since = None
            case.first_response_at = case.first_response_at or now
            close_turn(case)
            case.updated_at = now
            session.add(case)
            by_dm = dm_case_of(session, draft) is not None
            count_usage(session, Billed.DM_SEND if by_dm else billed_as(posted.text, case.source), writes=1)
            action = AuditAction.DRAFT_RECONCILED if reconciled else AuditAction.DRAFT_SENT
            audit.record(
                session,
                action,
                actor=actor,
                case_id=case.id,
                draft_id=draft_id,
                tweet_id=posted.id,
                origin=str(draft.origin),
                ai_model=draft.ai_model,
                author=draft.author_id,
                approver=draft.approver_id,
                edited_by=draft.edited_by,
            )
            case_id = case.id
            assert case_id is not None
            superseded = turns.supersede_siblings(session, draft, actor=actor)
            link = tweet_url(self.deps.brand_username(), posted.id)
            turns.tell_writer(
                session, draft, f"sent:{draft_id}", f"was sent on X: <{link}|view the reply>", actor=actor
            )
            self.drafts.surfaces.touch(session, draft_key(draft_id), card_key(case_id), *superseded, *homes)
        logger.info("approval.sent draft=%s tweet=%s", draft_id, posted.id)
        self.drafts.surfaces.show(draft_key(draft_id), card_key(case_id), *superseded, *homes)
        self.notices.deliver()

    def _mark_failed(self, draft_id: int, error: XError, *, actor: str) -> None:
        homes = self.drafts.surfaces.approver_homes()  # a failed draft is back in their lists
        with self.deps.session() as session:
            draft = session.get(Draft, draft_id)
            assert draft is not None
            target = session.get(Tweet, draft.in_reply_to_tweet_id)
            target_url = tweet_url(None, draft.in_reply_to_tweet_id)
            if target is not None:
                customer = session.get(Customer, target.author_id)
                target_url = tweet_url(customer.username if customer else None, target.id)
            message = describe_x_error(error, brand=self.deps.brand_username(), target_url=target_url)
            dm_draft = dm_case_of(session, draft) is not None
            if dm_draft:
                message = describe_dm_error(error, brand=self.deps.brand_username())
            failed = session.execute(
                update(Draft)
                .where(col(Draft.id) == draft_id, col(Draft.status) == DraftStatus.SENDING)
                .values(
                    status=DraftStatus.FAILED,
                    last_error=message,
                    error_ambiguous=error.ambiguous,
                    no_retry=no_retry(error),
                    updated_at=utcnow(),
                )
            ).rowcount  # type: ignore[attr-defined]
            if not failed:  # settled meanwhile (e.g. the post went through after all): keep that
                return
            audit.record(
                session,
                AuditAction.DRAFT_FAILED,
                actor=actor,
                case_id=draft.case_id,
                draft_id=draft_id,
                kind=str(error.kind),
                status=error.status,
                ambiguous=error.ambiguous,
            )
            turns.tell_writer(
                session,
                draft,
                f"failed:{draft_id}:{draft.version}",
                f"was not posted on X: {message}",
                actor=actor,
            )
            self.drafts.surfaces.touch(session, draft_key(draft_id), *homes)
        logger.warning("approval.failed draft=%s kind=%s status=%s", draft_id, error.kind, error.status)
        self.drafts.surfaces.show(draft_key(draft_id), *homes)
        self.notices.deliver()

    def stuck_after(self) -> timedelta:
        """How long a draft may stay in 'sending' before its sender must have died (X's timeouts bound it)."""
        per_call = self.deps.settings.x_timeout + 5.0  # read timeout plus the connect timeout
        return timedelta(seconds=X_CALLS_IN_FLIGHT * per_call) + STUCK_MARGIN

    def _stamp_sending(self, draft_id: int) -> None:
        with self.deps.session() as session:
            session.execute(
                update(Draft)
                .where(col(Draft.id) == draft_id, col(Draft.status) == DraftStatus.SENDING)
                .values(updated_at=utcnow())
            )

    def recover_stuck(self) -> int:
        """Drafts left in 'sending' by a crash: settle them from what X shows, never by posting again."""
        cutoff = utcnow() - self.stuck_after()
        with self.deps.session() as session:
            stuck = session.exec(
                select(Draft).where(Draft.status == DraftStatus.SENDING, col(Draft.updated_at) < cutoff)
            ).all()
        settled = 0
        for draft in stuck:
            assert draft.id is not None
            try:
                found = self._find_on_x(draft)
            except XError:
                continue
            if found is not None:
                self._mark_sent(draft.id, found, actor=audit.SYSTEM, reconciled=True)
            else:
                self._mark_failed(
                    draft.id,
                    XError(XErrorKind.TRANSIENT, "slackbridge stopped while posting", ambiguous=True),
                    actor=audit.SYSTEM,
                )
            settled += 1
        return settled
