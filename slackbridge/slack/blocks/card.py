"""The case card in the channel and the follow-up messages in its thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slackbridge.slack.blocks.common import (
    Block,
    actions,
    button,
    context,
    link,
    quote_block,
    section,
    slack_date,
    user,
)
from slackbridge.slack.blocks.outcomes import outcome_label, outcome_select
from slackbridge.slack.blocks.owner import owner_buttons, owner_picker, writing_note
from slackbridge.slack.blocks.sla import ClockView, build_clock_block
from slackbridge.slack.blocks.triage import category_select
from slackbridge.slack.ids import ActionId, Ref
from slackbridge.text import escape_mrkdwn, truncate, tweet_url

STATUS_LABELS = {
    "open": ":large_orange_circle: Open: waiting on us",
    "waiting": ":large_blue_circle: Replied: waiting on the customer",
    "resolved": ":white_check_mark: Resolved",
}
CATEGORY_EMOJI = {
    "complaint": ":rotating_light:",
    "question": ":question:",
    "lead": ":moneybag:",
    "praise": ":tada:",
    "spam": ":no_entry_sign:",
    "other": ":speech_balloon:",
}


@dataclass(frozen=True)
class AuthorView:
    username: str
    name: str
    followers_count: int | None = None
    verified: bool = False


@dataclass(frozen=True)
class TweetView:
    id: str
    text: str
    created_at: datetime
    author: AuthorView


@dataclass(frozen=True)
class CardView:
    case_id: int
    status: str
    tweet: TweetView
    source: str = "mention"
    category: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    triage_reason: str | None = None
    assignee_id: str | None = None
    notes: list[str] = field(default_factory=list)
    suggestions_enabled: bool = True
    moved_to_channel: str | None = None  # set when the case moved to another channel
    urgent_group: str | None = None
    clock: ClockView | None = None  # service levels: the open turn's due time and state
    writing_by: str | None = None  # team: someone has the reply window open (not expired)
    outcome: str | None = None  # how a resolved case ended
    # Direct messages (issue 8): the case can move to a DM with the customer
    dm_enabled: bool = False


def author_line(author: AuthorView) -> str:
    name = escape_mrkdwn(" ".join((author.name or author.username or "unknown").split()))
    handle = link(f"https://x.com/{author.username}", f"@{author.username}")
    parts = [f"*{name}*", handle]
    if author.verified:
        parts.append(":ballot_box_with_check:")
    if author.followers_count is not None:
        parts.append(f"{author.followers_count:,} followers")
    return " · ".join(parts)


def tweet_context(tweet: TweetView) -> str:
    return f"{slack_date(tweet.created_at)} · {link(tweet_url(tweet.author.username, tweet.id), 'View on X')}"


def triage_line(view: CardView) -> str:
    if not view.category:
        return ""
    emoji = CATEGORY_EMOJI.get(view.category, "")
    # Triage may come from a model reading the customer's post: its words are shown as data too.
    parts = [f"{emoji} {escape_mrkdwn(view.category.capitalize())}".strip()]
    if view.sentiment:
        parts.append(escape_mrkdwn(view.sentiment))
    if view.urgency == "high":
        parts.append(":fire: *high urgency*")
    return " · ".join(parts)


FALLBACK_SNIPPET = 150


def _snippet(text: str, limit: int) -> str:
    """Customer text on one line, shortened, escaped: for notification text and compact mrkdwn."""
    return escape_mrkdwn(truncate(" ".join(text.split()), limit))


def fallback_text(view: CardView) -> str:
    """The notification text: escaped, so even previews cannot ping, link or format."""
    handle = escape_mrkdwn(view.tweet.author.username)
    return f"New X post from @{handle}: {_snippet(view.tweet.text, FALLBACK_SNIPPET)}"


def followup_text(tweet: TweetView) -> str:
    """The notification text of a follow-up in a case's thread."""
    handle = escape_mrkdwn(tweet.author.username)
    return f"Follow-up from @{handle}: {_snippet(tweet.text, FALLBACK_SNIPPET)}"


DEGRADED_SNIPPET = 500


def build_degraded_card(view: CardView) -> list[Block]:
    """A plain card for a post whose full card Slack refused (e.g. invalid_blocks, msg_too_long).

    Only short escaped text, a link to X and the one button people need to answer it: nothing in it
    depends on what the customer wrote being well-formed. Post it with `fallback_text(view)`."""
    url = tweet_url(view.tweet.author.username, view.tweet.id)
    blocks: list[Block] = [
        section(author_line(view.tweet.author)),
        section(f"&gt; {_snippet(view.tweet.text, DEGRADED_SNIPPET) or '(empty)'}"),
        context(
            f"Case #{view.case_id} · {STATUS_LABELS.get(view.status, escape_mrkdwn(view.status))} · "
            f"{link(url, 'View on X')} · shown in short: Slack refused the full card."
        ),
    ]
    ref = Ref(case_id=view.case_id)
    buttons = [button("Open on X", ActionId.OPEN_ON_X, ref, url=url)]
    if view.source != "listen" and not view.moved_to_channel:
        buttons.insert(0, button("Write a reply", ActionId.WRITE_REPLY, ref, style="primary"))
    blocks.append(actions(f"case:{view.case_id}", *buttons))
    return blocks


def build_case_card(view: CardView) -> list[Block]:
    """The card for a new X conversation: who, what, status, and what the team can do."""
    blocks: list[Block] = []
    if view.urgency == "high":
        ping = f" <!subteam^{view.urgent_group}>" if view.urgent_group else ""
        blocks.append(section(f":fire: *High urgency*{ping}"))
    blocks.append(section(author_line(view.tweet.author)))
    blocks.append(quote_block(view.tweet.text))
    blocks.append(context(tweet_context(view.tweet)))
    status = STATUS_LABELS.get(view.status, view.status)
    if view.status == "resolved" and view.outcome:
        status += f" ({outcome_label(view.outcome)})"
    meta = [f"Case #{view.case_id}", status]
    if view.assignee_id:
        meta.append(f"assigned to {user(view.assignee_id)}")
    blocks.append(context(" · ".join(meta), triage_line(view)))
    for note in view.notes[-3:]:
        blocks.append(context(f":memo: {escape_mrkdwn(note)}"))
    if view.clock and view.status == "open" and not view.moved_to_channel:
        blocks.append(build_clock_block(view.case_id, view.clock))
    blocks.extend(writing_note(view.writing_by if view.status != "resolved" else None))
    if view.moved_to_channel:
        blocks.append(section(f":arrow_right: This case moved to <#{view.moved_to_channel}>."))
        return blocks
    ref = Ref(case_id=view.case_id)
    buttons = []
    if view.source == "listen":
        blocks.append(
            context(
                ":ear: Found by keyword listening. X only accepts API replies to posts that mention "
                "or quote the brand, so answer this one on X itself, or track it to follow it here."
            )
        )
        buttons.append(
            button(
                "Open on X", ActionId.OPEN_ON_X, ref, url=tweet_url(view.tweet.author.username, view.tweet.id)
            )
        )
        buttons.append(button("Track", ActionId.TRACK, ref))
    else:
        buttons.append(button("Write a reply", ActionId.WRITE_REPLY, ref, style="primary"))
        if view.suggestions_enabled:
            buttons.append(button("Suggest reply", ActionId.SUGGEST, ref))
    if view.dm_enabled:
        buttons.append(button("Continue in DM", ActionId.CONTINUE_IN_DM, ref))
    if view.status != "resolved":
        buttons.extend(owner_buttons(view.case_id, view.assignee_id))
    if view.status == "resolved":
        buttons.append(button("Reopen", ActionId.REOPEN, ref))
    else:
        buttons.append(outcome_select())
    buttons.append(category_select(view.category))
    if view.status != "resolved":
        blocks.append(owner_picker(view.case_id, view.assignee_id))
    blocks.append(actions(f"case:{view.case_id}", *buttons))
    return blocks


def build_followup(case_id: int, tweet: TweetView, *, suggestions_enabled: bool = True) -> list[Block]:
    """A later post of the same X conversation, shown in the case's thread."""
    ref = Ref(case_id=case_id, extra=tweet.id)
    buttons = [button("Reply to this", ActionId.WRITE_REPLY, ref, style="primary")]
    if suggestions_enabled:
        buttons.append(button("Suggest reply", ActionId.SUGGEST, ref))
    return [
        section(f":speech_balloon: {author_line(tweet.author)}"),
        quote_block(tweet.text),
        context(tweet_context(tweet)),
        actions(f"followup:{tweet.id}", *buttons),
    ]
