"""One answer per turn of the conversation: a sent reply supersedes its turn's other drafts.

A turn starts with a customer's post; a draft belongs to the turn of the customer's latest post when it
was written. Sending a second reply in a turn is a deliberate act ("Send as follow-up")."""

from __future__ import annotations

from sqlmodel import Session, col, select, update

from slackbridge.db import hold_write_lock
from slackbridge.models import AuditAction, Case, Customer, Draft, DraftStatus, Tweet, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import latest_customer_tweet
from slackbridge.services.notices import is_person, owe
from slackbridge.slack.surfaces import draft_key
from slackbridge.text import escape_mrkdwn

OPEN = (DraftStatus.PENDING, DraftStatus.FAILED, DraftStatus.CHANGES_REQUESTED)


def turn_order(tweet_id: str | None) -> tuple[int, str]:
    """X ids grow with time (snowflakes): a longer id is newer, equal lengths compare as text."""
    return (len(tweet_id), tweet_id) if tweet_id else (-1, "")


def current_turn(session: Session, case: Case) -> str | None:
    latest = latest_customer_tweet(session, case)
    return latest.id if latest else None


def answered_in(session: Session, case_id: int, turn: str | None, *, besides: int | None) -> Draft | None:
    """A reply of this turn (or a later one) that is sent or being sent: the turn is answered."""
    rows = session.exec(
        select(Draft).where(
            Draft.case_id == case_id,
            col(Draft.status).in_([DraftStatus.SENDING, DraftStatus.SENT]),
            col(Draft.id) != (besides or 0),
        )
    ).all()
    return next((d for d in rows if turn_order(d.turn_tweet_id) >= turn_order(turn)), None)


def lock_case(session: Session, case_id: int) -> None:
    """Approvals of one case take turns: a row lock on PostgreSQL, the write lock on SQLite (taken before
    the reads that decide, so they cannot be stale)."""
    hold_write_lock(session)
    session.exec(select(Case.id).where(Case.id == case_id).with_for_update()).first()


def turn_taken(session: Session, draft: Draft) -> str | None:
    """Why this draft may not be claimed for sending now, or None. Call under `lock_case`."""
    assert draft.id is not None
    sending = session.exec(
        select(Draft.id).where(
            Draft.case_id == draft.case_id,
            Draft.status == DraftStatus.SENDING,
            col(Draft.id) != draft.id,
        )
    ).first()
    if sending is not None:
        return f"Reply draft #{sending} of this case is being posted right now; nothing else was sent."
    if draft.followup:
        return None
    answered = answered_in(session, draft.case_id, draft.turn_tweet_id, besides=draft.id)
    if answered is None:
        return None
    return (
        f"Not sent: reply draft #{answered.id} already answered the customer's post. An approver can use "
        "*Send as follow-up* to post this one as a second reply."
    )


def supersede(session: Session, draft_ids: list[int], *, actor: str, by: int | None) -> list[int]:
    """Mark these open drafts superseded (conditionally); returns the ids that changed."""
    done: list[int] = []
    for draft_id in draft_ids:
        changed = session.execute(
            update(Draft)
            .where(
                col(Draft.id) == draft_id,
                col(Draft.status).in_(OPEN),
            )
            .values(status=DraftStatus.SUPERSEDED, version=Draft.version + 1, updated_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        if not changed:
            continue
        draft = session.get(Draft, draft_id)
        assert draft is not None
        session.refresh(draft)
        audit.record(
            session,
            AuditAction.DRAFT_SUPERSEDED,
            actor=actor,
            case_id=draft.case_id,
            draft_id=draft_id,
            by=by,
        )
        tell_writer(
            session,
            draft,
            f"superseded:{draft_id}:{draft.version}",
            f"was not sent: reply draft #{by} answered the customer first. An approver can still send "
            "yours as a follow-up."
            if by
            else "was not sent: the customer was answered.",
            actor=actor,
        )
        done.append(draft_id)
    return done


def supersede_siblings(session: Session, sent: Draft, *, actor: str) -> list[str]:
    """The turn is answered: its other open drafts (and older turns' ones) are superseded. Returns the
    surface keys to show. Follow-ups stay: each was re-opened on purpose."""
    siblings = session.exec(
        select(Draft).where(
            Draft.case_id == sent.case_id,
            col(Draft.status).in_(OPEN),
            col(Draft.id) != sent.id,
            col(Draft.followup).is_(False),
        )
    ).all()
    stale = [
        d.id
        for d in siblings
        if d.id is not None and turn_order(d.turn_tweet_id) <= turn_order(sent.turn_tweet_id)
    ]
    return [draft_key(i) for i in supersede(session, stale, actor=actor, by=sent.id)]


def customer_label(session: Session, draft: Draft) -> str:
    target = session.get(Tweet, draft.in_reply_to_tweet_id)
    customer = session.get(Customer, target.author_id) if target else None
    return f"@{escape_mrkdwn(customer.username)}" if customer else "the customer"


def tell_writer(session: Session, draft: Draft, key: str, what: str, *, actor: str) -> None:
    """Owe the draft's writer one DM about what happened to it (never for what they did themselves)."""
    if not is_person(draft.author_id) or draft.author_id == actor:
        return
    case = session.get(Case, draft.case_id)
    where = f" (thread in <#{case.channel_id}>)" if case and case.channel_id else ""
    owe(
        session,
        key,
        draft.author_id,
        f"Your reply draft #{draft.id} to {customer_label(session, draft)} {what}{where}",
    )
