"""The App Home tab as a Block Kit view; pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackbridge.services.lookups import CaseLine, Listing, PendingLine
from slackbridge.services.stats import Today
from slackbridge.slack.blocks.common import Block, actions, button, context, plain, section
from slackbridge.slack.blocks.lookups import cap, case_line, pending_blocks
from slackbridge.slack.ids import ActionId
from slackbridge.text import escape_mrkdwn

VIEW_BLOCKS = 100


@dataclass(frozen=True)
class HomeData:
    user_id: str
    is_approver: bool
    mine: list[CaseLine]
    pending: Listing[PendingLine] | None  # None for people who cannot approve
    oldest: Listing[CaseLine]
    today: Today
    notice: str | None = None  # the outcome of the viewer's last click on this tab (it has no response_url)


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text[:150])}


def build_home(data: HomeData) -> dict[str, Any]:
    t = data.today
    blocks: list[Block] = (
        [section(f":information_source: {escape_mrkdwn(data.notice)}")] if data.notice else []
    )
    blocks += [
        header("Today"),
        section(
            f"*{t.new_cases}* new cases · *{t.replies_sent}* replies sent · *{t.open_cases}* open · "
            f"X reads *{t.reads:,}* of {t.read_budget:,}"
        ),
        *([context(t.spend)] if t.spend else []),
        actions("home:refresh", button("Refresh", ActionId.HOME_REFRESH)),
        {"type": "divider"},
        header("My cases"),
    ]
    if data.mine:
        blocks += [section(case_line(line)) for line in data.mine]
    else:
        blocks.append(context("Nothing assigned to you. Claim a case with *Assign to me* on its card."))
    if data.pending is not None:
        blocks += [{"type": "divider"}, header(f"Waiting for your approval ({data.pending.total})")]
        for line in data.pending.items:
            blocks += pending_blocks(line, can_approve=True)
        if not data.pending.items:
            blocks.append(context("No drafts are waiting."))
    blocks += [{"type": "divider"}, header(f"Oldest unanswered ({data.oldest.total})")]
    blocks += [section(case_line(line, show_age=True)) for line in data.oldest.items]
    if not data.oldest.items:
        blocks.append(context(":tada: Nothing is waiting on us."))
    return {"type": "home", "blocks": cap(blocks, VIEW_BLOCKS)}
