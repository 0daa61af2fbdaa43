"""A seeded store whose stats were worked out by hand (see the comments), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from slackbridge.models import (
    AuditAction,
    AuditLog,
    Case,
    CaseOutcome,
    CaseSource,
    CaseStatus,
    Customer,
    Draft,
    DraftOrigin,
    DraftStatus,
    Tweet,
    TweetSource,
)

AGENT, MANAGER = "UAGENT", "UMANAGER"
NOW = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10 if day > 20 else 11, day, hour, minute, tzinfo=UTC)


def _case(
    n: int,
    created: datetime,
    category: str,
    *,
    first: timedelta | None = None,
    due: timedelta | None = None,
    resolved: datetime | None = None,
    outcome: CaseOutcome | None = None,
    csat: int | None = None,
    status: CaseStatus | None = None,
    source: CaseSource = CaseSource.MENTION,
) -> Case:
    done = resolved is not None
    return Case(
        id=n,
        conversation_id=f"90{n}",
        root_tweet_id=f"90{n}",
        customer_id="42",
        source=source,
        status=status or (CaseStatus.RESOLVED if done else CaseStatus.OPEN),
        category=category,
        created_at=created,
        first_response_at=created + first if first is not None else None,
        first_due_at=created + due if due is not None else None,
        resolved_at=resolved,
        resolution_seconds=int((resolved - created).total_seconds()) if resolved else None,
        outcome=outcome,
        csat_score=csat,
        waiting_since=None if done or status == CaseStatus.WAITING else created,
    )


def cases() -> list[Case]:
    """Period 2026-11-01..2026-11-03, asked at NOW (2026-11-04 12:00 UTC); fresh rows for each store."""
    return [
        # complaint: met (10m <= 30m); resolved after 2h by the agent, solved, CSAT 5
        _case(
            1,
            at(1, 10),
            "complaint",
            first=10 * M,
            due=30 * M,
            resolved=at(1, 12),
            outcome=CaseOutcome.SOLVED,
            csat=5,
        ),
        # complaint: missed (40m > 30m); resolved after 1d by the manager, can't help, CSAT 2
        _case(
            2,
            at(1, 11),
            "complaint",
            first=40 * M,
            due=30 * M,
            resolved=at(2, 11),
            outcome=CaseOutcome.CANT_HELP,
            csat=2,
        ),
        # question: met (20m <= 2h); resolved after 1h by the agent, moved to DM, CSAT 4
        _case(
            3,
            at(2, 9),
            "question",
            first=20 * M,
            due=120 * M,
            resolved=at(2, 10),
            outcome=CaseOutcome.MOVED_TO_DM,
            csat=4,
        ),
        # question: no reply and due passed before NOW: missed; still open (backlog, waiting 1d 21h)
        _case(4, at(2, 15), "question", due=120 * M),
        # praise: no target; resolved after 30m automatically (no person credited), solved
        _case(5, at(3, 8), "praise", first=5 * M, resolved=at(3, 8, 30), outcome=CaseOutcome.SOLVED),
        # complaint: due after NOW, no reply yet: not counted for targets; open (waiting 13h)
        _case(6, at(3, 23), "complaint", due=14 * 60 * M),
        # opened before the period, resolved in it after 3 days by the manager: resolution and outcomes
        _case(7, at(29, 9), "other", first=30 * M, resolved=at(1, 9), outcome=CaseOutcome.SPAM),
        # a listening hit: never counted
        _case(8, at(2, 12), "complaint", first=1 * M, due=2 * M, source=CaseSource.LISTEN),
        # after the period, open: only in the backlog now (waiting 11h)
        _case(9, at(4, 1), "question"),
        # question: met (1h <= 2h); waiting on the customer
        _case(10, at(3, 10), "question", first=60 * M, due=120 * M, status=CaseStatus.WAITING),
    ]


# (case, author, sent at): the first reply of a case is its first response
REPLIES = [
    (1, AGENT, at(1, 10, 10)),
    (1, AGENT, at(1, 11)),
    (3, AGENT, at(2, 9, 20)),
    (2, MANAGER, at(1, 11, 40)),
    (5, MANAGER, at(3, 8, 5)),
    (10, MANAGER, at(3, 11)),
    (7, AGENT, at(29, 9, 30)),  # before the period: not counted as a reply in it
]
RESOLVERS = [(1, AGENT), (2, MANAGER), (3, AGENT), (5, "system"), (7, MANAGER)]
TEXTS = {
    1: 'The blender arrived broken, "again", sorry; can you help?\nThanks — Zoë',
    2: "Refund still missing after 3 weeks",
}


def seed(engine: object) -> None:
    with Session(engine) as session:  # type: ignore[arg-type]
        session.add(Customer(id="42", username="zoe_k", name="Zoë"))
        rows = cases()
        for case in rows:
            session.add(case)
            text = TEXTS.get(case.id or 0, f"post number {case.id}")
            source = TweetSource.LISTEN if case.source == CaseSource.LISTEN else TweetSource.MENTION
            session.add(
                Tweet(
                    id=case.root_tweet_id,
                    author_id="42",
                    conversation_id=case.conversation_id,
                    text=text,
                    created_at=case.created_at,
                    source=source,
                    case_id=case.id,
                )
            )
        session.flush()
        for n, (case_id, author, sent) in enumerate(REPLIES, start=1):
            session.add(
                Draft(
                    id=n,
                    case_id=case_id,
                    in_reply_to_tweet_id=f"90{case_id}",
                    text=f"Reply {n}, sorry about the blender" if case_id == 1 else f"Reply {n}",
                    length=10,
                    author_id=author,
                    origin=DraftOrigin.HUMAN,
                    status=DraftStatus.SENT,
                    approver_id=MANAGER,
                    sent_tweet_id=f"80{n}",
                    created_at=sent - 5 * M,
                    approved_at=sent - M,
                    sent_at=sent,
                )
            )
        for case_id, actor in RESOLVERS:
            case = next(c for c in rows if c.id == case_id)
            assert case.resolved_at is not None
            session.add(
                AuditLog(at=case.resolved_at, actor=actor, action=AuditAction.CASE_RESOLVED, case_id=case_id)
            )
        session.commit()
