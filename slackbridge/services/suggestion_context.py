"""What the model sees for one post, read from the store: the conversation, history and past replies."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

from slackbridge.models import Case, Customer, Draft, DraftStatus, Tweet, TweetSource
from slackbridge.services.dm_rules import DM_SOURCES, OUR_SOURCES
from slackbridge.text import truncate

CONVERSATION_POSTS = 10
HISTORY_CASES = 20
APPROVED_POOL = 500  # most recent sent replies considered as examples or saved replies


def approved_pairs(session: Session, *, limit: int = APPROVED_POOL) -> list[tuple[str, str]]:
    """(customer's post, the reply we sent to it), newest first: the team's own approved answers."""
    rows = session.exec(
        select(Tweet.text, Draft.text)
        .select_from(Draft)
        .join(Tweet, col(Tweet.id) == col(Draft.in_reply_to_tweet_id))
        # DMs are private: never examples for replies that may be public
        .where(Draft.status == DraftStatus.SENT, col(Tweet.source).not_in(DM_SOURCES))
        .order_by(col(Draft.sent_at).desc())
        .limit(limit)
    ).all()
    return [(tweet, reply) for tweet, reply in rows]


def conversation(session: Session, case: Case, target: Tweet) -> list[tuple[str, str]]:
    """Earlier posts of the case's X conversation, ours included, oldest first."""
    rows = session.exec(
        select(Tweet)
        .where(Tweet.case_id == case.id, Tweet.id != target.id, col(Tweet.deleted_at).is_(None))
        .where(col(Tweet.created_at) <= target.created_at)
        .order_by(col(Tweet.created_at).desc(), col(Tweet.id).desc())
        .limit(CONVERSATION_POSTS)
    ).all()
    result: list[tuple[str, str]] = []
    for tweet in reversed(rows):
        if tweet.source in OUR_SOURCES:
            speaker = "brand"
        elif tweet.author_id == target.author_id:
            speaker = "customer"
        else:
            other = session.get(Customer, tweet.author_id)
            speaker = f"@{other.username}" if other else "someone else"
        result.append((speaker, tweet.text))
    return result


def history_summary(session: Session, case: Case) -> str:
    """The customer's earlier cases in a few words: count, statuses, categories, our last reply."""
    earlier = session.exec(
        select(Case)
        .where(Case.customer_id == case.customer_id, Case.id != case.id)
        .order_by(col(Case.created_at).desc())
        .limit(HISTORY_CASES)
    ).all()
    if not earlier:
        return "No earlier cases: this is the customer's first conversation with us."
    statuses = Counter(str(c.status) for c in earlier)
    categories = Counter(c.category for c in earlier if c.category)
    lines = [
        f"{len(earlier)} earlier case(s): " + ", ".join(f"{n} {s}" for s, n in statuses.most_common()) + "."
    ]
    if categories:
        lines.append("Categories: " + ", ".join(f"{c} ({n})" for c, n in categories.most_common()) + ".")
    last = session.exec(
        select(Tweet)
        .where(col(Tweet.case_id).in_([c.id for c in earlier]), Tweet.source == TweetSource.OURS)
        .order_by(col(Tweet.created_at).desc())
    ).first()
    if last is not None:
        lines.append(f"Last reply we sent ({last.created_at:%Y-%m-%d}): {truncate(last.text, 280)}")
    return "\n".join(lines)
