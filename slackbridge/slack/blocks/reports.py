"""Help, stats and listening answers for /tweetcare; pure functions."""

from __future__ import annotations

from slackbridge.services.figures import Target
from slackbridge.services.listening import ListenLine
from slackbridge.services.saved import SavedLine
from slackbridge.services.stats import NO_OUTCOME, AgentLine, Durations, Report
from slackbridge.slack.blocks.common import Block, context, quote_block, section, slack_date, user
from slackbridge.slack.blocks.lookups import duration
from slackbridge.slack.blocks.outcomes import outcome_label
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
    (
        "stats [7d|today|2026-11-01..2026-11-15] [chart]",
        "volume, targets met, response and resolution times, backlog, outcomes, X reads",
        "/tweetcare stats 30d chart",
    ),
    ('listen add "query"', "listen for an X search (approvers)", '/tweetcare listen add "acme outage"'),
    ("listen list", "what we listen for", "/tweetcare listen list"),
    ("listen remove <n>", "stop listening (approvers)", "/tweetcare listen remove 2"),
    (
        'saved add "title" text',
        "keep a reply for the reply window; {name} and {username} are filled in (approvers)",
        '/tweetcare saved add "Refund" Hi {name}, your refund is on its way.',
    ),
    ("saved list", "the saved replies", "/tweetcare saved list"),
    ("saved remove <n>", "remove a saved reply (approvers)", "/tweetcare saved remove 2"),
]


MAX_DAY_LINES = 31  # a section holds 3,000 characters: longer ranges show their last month per day


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


def _percent(target: Target) -> str:
    return f"{target.percent:.0f}% ({target.met} of {target.measured})" if target.percent is not None else "-"


def _targets(report: Report) -> str:
    if not report.targets:
        return "*First responses within target*: no case with a target in this period"
    *by_category, overall = report.targets
    parts = [f"{escape_mrkdwn(t.category)} {_percent(t)}" for t in by_category]
    return f"*First responses within target*: {_percent(overall)}" + (
        " · " + ", ".join(parts) if parts else ""
    )


def _backlog(report: Report) -> str:
    b = report.backlog
    if not b.count:
        return "*Backlog now*: no case is waiting on us"
    return f"*Backlog now*: {b.count} waiting on us, oldest {duration(b.oldest)}, median {duration(b.median)}"


def _outcomes(report: Report) -> str:
    shown = (
        ", ".join(f"{escape_mrkdwn(outcome_label_or(o))} {n}" for o, n in report.outcomes) or "none resolved"
    )
    if report.csat_count:
        csat = f"{report.csat_average:.1f} of 5 from {report.csat_count} ratings"
    else:
        csat = "no ratings yet"
    return f"*Outcomes*: {shown}\n*Satisfaction (CSAT)*: {csat}"


def outcome_label_or(outcome: str) -> str:
    return outcome if outcome == NO_OUTCOME else outcome_label(outcome)


def _agent_line(line: AgentLine) -> str:
    parts = [f"{user(line.agent)} {line.replies} replies"]
    if line.first_response.count:
        parts.append(
            f"first response median {duration(line.first_response.median)} ({line.first_response.count})"
        )
    if line.resolution.count:
        parts.append(f"resolution median {duration(line.resolution.median)} ({line.resolution.count})")
    return " · ".join(parts)


def build_stats(report: Report) -> list[Block]:
    by_category: dict[str, int] = {}
    for counter in report.volume.values():
        for category, n in counter.items():
            by_category[category] = by_category.get(category, 0) + n
    categories = ", ".join(
        f"{escape_mrkdwn(c)} {n}" for c, n in sorted(by_category.items(), key=lambda i: -i[1])
    )
    shown_days = list(report.volume.items())[-MAX_DAY_LINES:]
    days = "\n".join(
        f"`{day:%a %d %b}` {sum(counter.values()):>4}  "
        + " ".join(f"{escape_mrkdwn(c)}:{n}" for c, n in counter.items())
        for day, counter in shown_days
    )
    if len(report.volume) > MAX_DAY_LINES:
        days = f"(the last {MAX_DAY_LINES} days; the chart shows them all)\n{days}"
    agents = "\n".join(_agent_line(a) for a in report.agents[:10]) or "none yet"
    used = f"{report.reads_today:,} of {report.read_budget:,} posts read on X today"
    hours = " (business hours)" if report.business_hours else ""
    blocks = [
        section(
            f"*{report.label}* (since {slack_date(report.since)}): {report.total_cases} new cases"
            + (f" · {categories}" if categories else "")
        ),
        section(f"*New cases per day*\n{days}"),
        section(
            "\n".join(
                [
                    _targets(report),
                    _durations("First response" + hours, report.first_response),
                    _durations("Resolution" + hours, report.resolution),
                    _durations("Approval turnaround", report.approval),
                    _backlog(report),
                    *([f"*X spend*: {report.spend}"] if report.spend else []),
                ]
            )
        ),
        *_dm_blocks(report),
        section(_outcomes(report)),
        section(f"*By person* (replies sent, their first responses and resolutions)\n{agents}"),
        section(f"*X read budget*: {used}"),
        context(
            "Add `chart` (e.g. `/tweetcare stats 7d chart`): approvers post it in this channel, "
            "others get it in a direct message."
        ),
    ]
    return blocks


def _dm_blocks(report: Report) -> list[Block]:
    """Direct-message cases, counted apart from the public ones (issue 8)."""
    if report.dms is None:
        return []
    dms = report.dms
    rating = f"{dms.csat_average:.1f}/5 from {dms.csat_count}" if dms.csat_average is not None else "none yet"
    return [
        section(
            f"*Direct messages*: {dms.cases} new DM cases\n"
            f"{_durations('DM first response', dms.first_response)}\n*Customer rating (CSAT)*: {rating}"
        )
    ]


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


def build_saved_list(lines: list[SavedLine]) -> list[Block]:
    """The saved replies, numbered for `saved remove`; their text is the team's, shown as data."""
    if not lines:
        return [
            section(
                "No saved replies yet. An approver can add one: "
                '`/tweetcare saved add "Refund" Hi {name}, your refund is on its way.`'
            )
        ]
    blocks: list[Block] = [section(f"*{len(lines)} saved replies* (picked in the reply window)")]
    for line in lines:
        blocks.append(section(f"*#{line.id} {escape_mrkdwn(line.title)}*"))
        blocks.append(quote_block(line.text))
    return blocks[:50]
