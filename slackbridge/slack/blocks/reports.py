"""Help, stats and listening answers for /tweetcare; pure functions."""

from __future__ import annotations

from slackbridge.services.listening import ListenLine
from slackbridge.services.stats import Durations, Report
from slackbridge.slack.blocks.common import Block, context, section, slack_date, user
from slackbridge.slack.blocks.lookups import duration
from slackbridge.text import escape_code, escape_mrkdwn

HELP = [
    ("help", "this list", "/tweetcare help"),
    ("user @handle", "who the customer is, every case and reply, staff notes", "/tweetcare user @jane_doe"),
    (
        "note @handle text",
        "an internal note, shown on their future cards",
        "/tweetcare note @jane_doe prefers DMs",
    ),
    (
        "tweet <url or id>",
        "the case for a post, its status and thread",
        "/tweetcare tweet https://x.com/jane/status/1",
    ),
    (
        "track <url or id>",
        "open a case for a post, as if it had mentioned us",
        "/tweetcare track 1790000000000000000",
    ),
    ("search <words>", "search stored posts, drafts and sent replies", "/tweetcare search refund parcel"),
    ("queue", "open cases waiting on us, oldest first", "/tweetcare queue"),
    ("pending", "drafts waiting for approval", "/tweetcare pending"),
    ("stats [7d|30d] [chart]", "volume, response times, replies, X reads", "/tweetcare stats 30d chart"),
    ('listen add "query"', "listen for an X search (approvers)", '/tweetcare listen add "acme outage"'),
    ("listen list", "what we listen for", "/tweetcare listen list"),
    ("listen remove <n>", "stop listening (approvers)", "/tweetcare listen remove 2"),
]


def build_help() -> list[Block]:
    lines = [f"`{cmd}`: {what}\n      e.g. `{example}`" for cmd, what, example in HELP]
    return [section("*/tweetcare* answers are only visible to you.\n" + "\n".join(lines))]


def usage_text(problem: str | None = None) -> str:
    lead = f"{problem} " if problem else "I did not understand that. "
    return lead + "Try `/tweetcare help` for every subcommand with an example."


def _durations(label: str, d: Durations) -> str:
    if not d.count:
        return f"*{label}*: no data yet"
    return f"*{label}*: median {duration(d.median)}, 90th percentile {duration(d.p90)} ({d.count})"


def build_stats(report: Report) -> list[Block]:
    by_category: dict[str, int] = {}
    for counter in report.volume.values():
        for category, n in counter.items():
            by_category[category] = by_category.get(category, 0) + n
    categories = ", ".join(
        f"{escape_mrkdwn(c)} {n}" for c, n in sorted(by_category.items(), key=lambda i: -i[1])
    )
    days = "\n".join(
        f"`{day:%a %d %b}` {sum(counter.values()):>4}  "
        + " ".join(f"{escape_mrkdwn(c)}:{n}" for c, n in counter.items())
        for day, counter in report.volume.items()
    )
    agents = ", ".join(f"{user(a)} {n}" for a, n in report.replies_by_agent[:10]) or "none yet"
    used = f"{report.reads_today:,} of {report.read_budget:,} posts read on X today"
    blocks = [
        section(
            f"*Last {report.days} days* (since {slack_date(report.since)}): {report.total_cases} new cases"
            + (f" · {categories}" if categories else "")
        ),
        section(f"*New cases per day*\n{days}"),
        section(
            "\n".join(
                [
                    _durations("First response", report.first_response),
                    _durations("Approval turnaround", report.approval),
                    f"*Replies sent by author*: {agents}",
                    f"*X read budget*: {used}",
                    *([f"*X spend*: {report.spend}"] if report.spend else []),
                ]
            )
        ),
        context("Add `chart` (e.g. `/tweetcare stats 7d chart`) to post these as a chart in this channel."),
    ]
    return blocks


def build_listen_list(lines: list[ListenLine], channel: str | None) -> list[Block]:
    if not lines:
        return [
            section(
                "We are not listening for anything. An approver can add a search: "
                '`/tweetcare listen add "acme outage"`.'
            )
        ]
    where = (
        f"Hits are carded in <#{channel}>."
        if channel
        else "No listening channel is set (SLACKBRIDGE_LISTEN_CHANNEL)."
    )
    text = "\n".join(
        f"*{line.id}.* `{escape_code(line.query)}` · added by {user(line.created_by)}" for line in lines
    )
    return [section(f"*Listening for*\n{text}"), context(where)]
