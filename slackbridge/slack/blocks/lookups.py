"""Answers to /tweetcare lookups (customer, post, queue, pending, search) as Block Kit; pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from slackbridge.models import utcnow
from slackbridge.services.lookups import CaseLine, CustomerProfile, Listing, PendingLine
from slackbridge.services.search import SearchHit
from slackbridge.slack.blocks.card import CATEGORY_EMOJI, STATUS_LABELS
from slackbridge.slack.blocks.common import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    link,
    section,
    slack_date,
    user,
)
from slackbridge.slack.ids import ActionId, Ref
from slackbridge.text import escape_mrkdwn, truncate, tweet_url

MESSAGE_BLOCKS = 50
SNIPPET = 140


def age(since: datetime | None, now: datetime | None = None) -> str:
    """'3d 4h', '2h 10m', '5m': how long something has waited."""
    if since is None:
        return "-"
    delta = max(timedelta(0), (now or utcnow()) - since)
    minutes = int(delta.total_seconds() // 60)
    days, hours, mins = minutes // 1440, (minutes // 60) % 24, minutes % 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def duration(value: timedelta | None) -> str:
    return "-" if value is None else age(utcnow() - value)


def snippet(text: str, limit: int = SNIPPET) -> str:
    return escape_mrkdwn(truncate(" ".join(text.split()), limit))


def case_link(line: CaseLine) -> str:
    url = line.thread_link or tweet_url(line.username, line.tweet_id)
    return link(url, f"#{line.case_id}")


def case_line(line: CaseLine, *, show_age: bool = False) -> str:
    parts = [f"{case_link(line)} {link(f'https://x.com/{line.username}', '@' + line.username)}"]
    status = STATUS_LABELS.get(line.status, line.status)
    meta = [status.split(":", 2)[-1].strip() if show_age else status]
    if line.category:
        meta.append(f"{CATEGORY_EMOJI.get(line.category, '')} {line.category}".strip())
    if show_age:
        meta.append(f"waiting {age(line.waiting_since)}")
    if line.breached:
        meta.insert(0, ":red_circle: *breached*")
    meta.append(f"on it: {user(line.assignee_id)}" if line.assignee_id else "unassigned")
    return f"{parts[0]} · {' · '.join(meta)}\n&gt; {snippet(line.text)}"


def cap(blocks: list[Block], limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """Slack refuses more than 50 blocks in a message (100 in a view): keep the first ones."""
    return blocks if len(blocks) <= limit else [*blocks[: limit - 1], context("_…more not shown_")]


def build_profile(profile: CustomerProfile) -> list[Block]:
    name = escape_mrkdwn(profile.name or profile.username)
    handle = link(f"https://x.com/{profile.username}", f"@{profile.username}")
    facts = [f"*{name}* {handle}"]
    if profile.verified:
        facts.append(":ballot_box_with_check:")
    if profile.followers_count is not None:
        facts.append(f"{profile.followers_count:,} followers")
    facts.append(f"first seen {slack_date(profile.first_seen_at)}")
    facts.append(f"{profile.total_cases} case{'s' if profile.total_cases != 1 else ''}")
    blocks: list[Block] = [section(" · ".join(facts))]
    if profile.notes:
        notes = "\n".join(f":memo: {snippet(n.text, 300)} ({user(n.author_id)})" for n in profile.notes)
        blocks.append(section(f"*Notes*\n{notes}"))
    for line in profile.cases:
        text = f"{case_line(line)}\n{slack_date(line.created_at)}"
        if line.reply:
            text += f"\n:outbox_tray: We replied: {snippet(line.reply)}"
        blocks.append(section(text))
    if profile.total_cases > len(profile.cases):
        blocks.append(context(f"Showing the newest {len(profile.cases)} of {profile.total_cases} cases."))
    if not profile.cases:
        blocks.append(context("No cases yet."))
    return cap(blocks)


def build_tweet_status(line: CaseLine) -> list[Block]:
    text = f"Post {link(tweet_url(line.username, line.tweet_id), line.tweet_id)} is in case {case_line(line)}"
    if line.reply:
        text += f"\n:outbox_tray: We replied: {snippet(line.reply)}"
    if line.thread_link:
        text += f"\n{link(line.thread_link, 'Open the Slack thread')}"
    return [section(text)]


def build_unknown_tweet(tweet_id: str) -> list[Block]:
    return [
        section(f"We have no case for post `{tweet_id}`. Track it to open one in the cases channel."),
        actions(
            "tweetcare:track", button("Track this post", ActionId.TRACK, Ref(extra=tweet_id), style="primary")
        ),
    ]


def build_queue(queue: Listing[CaseLine]) -> list[Block]:
    if not queue.items:
        return [section(":tada: Nothing is waiting on us.")]
    blocks = [section(f"*{queue.total} case{'s' if queue.total != 1 else ''} waiting on us*, oldest first")]
    blocks += [section(case_line(line, show_age=True)) for line in queue.items]
    if queue.total > len(queue.items):
        blocks.append(context(f"…and {queue.total - len(queue.items)} more."))
    return cap(blocks)


def pending_blocks(line: PendingLine, *, can_approve: bool) -> list[Block]:
    where = link(line.thread_link, f"case #{line.case_id}") if line.thread_link else f"case #{line.case_id}"
    text = (
        f"*Draft #{line.draft_id}* to @{escape_mrkdwn(line.username)} · {where} · "
        f"by {user(line.author_id)} · waiting {age(line.created_at)}\n&gt; {snippet(line.text, 300)}"
    )
    blocks: list[Block] = [section(text)]
    if can_approve:
        confirm = confirm_dialog(
            "Post this reply on X?",
            f"It will be posted publicly as a reply to @{escape_mrkdwn(line.username)}.",
            "Post on X",
        )
        ref = Ref(draft_id=line.draft_id, version=line.version)
        blocks.append(
            actions(
                f"pending:{line.draft_id}",
                button("Approve & send", ActionId.APPROVE, ref, style="primary", confirm=confirm),
            )
        )
    return blocks


def build_pending(pending: Listing[PendingLine], *, can_approve: bool) -> list[Block]:
    if not pending.items:
        return [section(":white_check_mark: No drafts are waiting for approval.")]
    blocks = [section(f"*{pending.total} draft{'s' if pending.total != 1 else ''} waiting for approval*")]
    if not can_approve:
        blocks.append(context("Only approvers can send replies; ask one of them to look."))
    for line in pending.items:
        blocks += pending_blocks(line, can_approve=can_approve)
    return cap(blocks)


_KINDS = {"post": ":speech_balloon: Post", "reply": ":outbox_tray: Our reply", "draft": ":pencil: Draft"}


def build_search(words: str, hits: list[SearchHit]) -> list[Block]:
    if not hits:
        return [section(f"Nothing found for _{escape_mrkdwn(words)}_.")]
    blocks: list[Block] = [section(f"*Best matches for* _{escape_mrkdwn(words)}_")]
    for hit in hits:
        label = _KINDS.get(hit.kind, hit.kind)
        if hit.kind == "draft" and hit.draft_status:
            label += f" ({hit.draft_status})"
        where = []
        if hit.username:
            where.append(link(f"https://x.com/{hit.username}", f"@{hit.username}"))
        if hit.case_id:
            where.append(
                link(hit.thread_link, f"case #{hit.case_id}") if hit.thread_link else f"case #{hit.case_id}"
            )
        if hit.tweet_id:
            where.append(link(tweet_url(hit.username, hit.tweet_id), "on X"))
        blocks.append(
            section(
                f"{label} · {' · '.join(where)} · {slack_date(hit.created_at)}\n&gt; {snippet(hit.text, 280)}"
            )
        )
    return cap(blocks)
