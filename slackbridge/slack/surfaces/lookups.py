"""The answers to /tweetcare lookups: what each subcommand shows the asker (and the chart it posts).

The listener parses and acknowledges; this module asks the services and builds the one message the asker
sees, so every lookup answer is made in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slackbridge.models import utcnow
from slackbridge.services.charts import render_report
from slackbridge.services.lookups import parse_handle
from slackbridge.services.periods import Period, PeriodError, parse_period
from slackbridge.services.search import search_words
from slackbridge.services.stats import Report
from slackbridge.slack.blocks.common import Block, section
from slackbridge.slack.blocks.lookups import (
    build_pending,
    build_profile,
    build_queue,
    build_search,
    build_tweet_status,
    build_unknown_tweet,
)
from slackbridge.slack.blocks.reports import (
    build_help,
    build_listen_list,
    build_saved_list,
    build_stats,
    usage_text,
)
from slackbridge.slack.gateway import SlackError
from slackbridge.text import escape_mrkdwn, parse_tweet_ref

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    user: str
    channel: str
    args: str  # what follows the subcommand


@dataclass(frozen=True)
class Answer:
    text: str
    blocks: list[Block] | None = None


Handler = Callable[["Services", Asked], Answer]


def say(text: str) -> Answer:
    return Answer(text, [section(text)])


def handle_help(services: Services, asked: Asked) -> Answer:
    return Answer("/tweetcare help", build_help())


def handle_user(services: Services, asked: Asked) -> Answer:
    handle = parse_handle(asked.args)
    if handle is None:
        return say(usage_text("Give an X handle, e.g. `/tweetcare user @jane_doe`."))
    profile = services.lookups.customer(handle, with_dms=services.dm_audience.sees_dms(asked.user))
    if profile is None:
        return say(f"No customer @{escape_mrkdwn(handle)} in our records: they have not written to us yet.")
    return Answer(f"@{escape_mrkdwn(profile.username)}: {profile.total_cases} cases", build_profile(profile))


def handle_note(services: Services, asked: Asked) -> Answer:
    first, _, text = asked.args.partition(" ")
    handle = parse_handle(first)
    if handle is None:
        return say(usage_text("Give an X handle and the note, e.g. `/tweetcare note @jane_doe prefers DMs`."))
    problem = services.casework.add_note(handle, text, author=asked.user)
    return say(problem or f":memo: Note added to @{escape_mrkdwn(handle)}; it shows on their cards.")


def _tweet_id(asked: Asked) -> str | None:
    return parse_tweet_ref(asked.args.split()[0]) if asked.args.split() else None


def handle_tweet(services: Services, asked: Asked) -> Answer:
    tweet_id = _tweet_id(asked)
    if tweet_id is None:
        return say(
            usage_text("Give a post's link or id, e.g. `/tweetcare tweet https://x.com/jane/status/123`.")
        )
    line = services.lookups.case_for_tweet(tweet_id)
    if line is None:
        return Answer(f"No case for post {tweet_id}", build_unknown_tweet(tweet_id))
    return Answer(f"Post {tweet_id}: case #{line.case_id}", build_tweet_status(line))


def handle_track(services: Services, asked: Asked) -> Answer:
    tweet_id = _tweet_id(asked)
    if tweet_id is None:
        return say(
            usage_text("Give a post's link or id, e.g. `/tweetcare track https://x.com/jane/status/123`.")
        )
    return say(services.casework.track(tweet_id, user=asked.user).notice or "")


def handle_search(services: Services, asked: Asked) -> Answer:
    if not search_words(asked.args):
        return say(usage_text("Give some words to look for, e.g. `/tweetcare search refund parcel`."))
    hits = services.search.search(asked.args)
    return Answer(f"{len(hits)} matches", build_search(asked.args, hits))


def handle_queue(services: Services, asked: Asked) -> Answer:
    queue = services.lookups.queue(with_dms=services.dm_audience.sees_dms(asked.user))
    return Answer(f"{queue.total} cases waiting", build_queue(queue))


def handle_pending(services: Services, asked: Asked) -> Answer:
    pending = services.lookups.pending(with_dms=services.dm_audience.sees_dms(asked.user))
    can_approve = services.approvers.is_approver(asked.user)
    return Answer(
        f"{pending.total} drafts waiting for approval", build_pending(pending, can_approve=can_approve)
    )


def handle_stats(services: Services, asked: Asked) -> Answer:
    words = asked.args.lower().split()
    chart = "chart" in words
    ranges = [word for word in words if word != "chart"]
    try:
        if len(ranges) > 1:
            raise PeriodError("Give one range.")
        period = parse_period(ranges[0] if ranges else None, utcnow().date())
    except PeriodError as exc:
        return say(usage_text(f"{exc} E.g. `/tweetcare stats 7d`, optionally followed by `chart`."))
    report = services.stats.report(period)
    blocks = build_stats(report)
    if chart:
        blocks.append(section(_post_chart(services, asked, report, period)))
    return Answer(f"Stats: {period.label}", blocks)


def _post_chart(services: Services, asked: Asked, report: Report, period: Period) -> str:
    """Approvers post the chart in the channel for everyone; others get it in a direct message."""
    public = services.approvers.is_approver(asked.user)
    label = period.label.lower() if period.relative else period.label
    try:
        where = asked.channel if public else services.deps.slack.open_dm(asked.user)
        services.deps.slack.upload_file(
            where,
            render_report(report, _agent_names(services, report)),
            f"tweetcare-stats-{period.slug}.png",
            f"X care, {label}",
            comment=f"Stats, {label}, asked by <@{asked.user}>",
        )
    except SlackError as exc:
        if public:
            return f":warning: Slack did not take the chart ({exc.code}); is the app in this channel?"
        return f":warning: Slack did not take the chart ({exc.code}); please try again."
    if public:
        return ":bar_chart: The chart is posted in this channel."
    return ":bar_chart: The chart is in your direct messages with the app (only approvers post it here)."


def _agent_names(services: Services, report: Report) -> dict[str, str]:
    """Slack names for the chart's labels (an image cannot show <@U…> mentions); ids where unknown."""
    return {line.agent: services.deps.slack.user_name(line.agent) or line.agent for line in report.agents}


def handle_listen(services: Services, asked: Asked) -> Answer:
    verb, _, rest = asked.args.partition(" ")
    verb = verb.lower()
    if verb == "add":
        return say(services.listening.add(rest, user=asked.user))
    if verb == "list":
        channel = services.deps.settings.listen_channel
        return Answer("Listening queries", build_listen_list(services.listening.active(), channel))
    if verb == "remove":
        number = rest.strip().lstrip("#")
        if not number.isdigit():
            return say(
                usage_text("Give the query's number from `/tweetcare listen list`, e.g. `listen remove 2`.")
            )
        return say(services.listening.remove(int(number), user=asked.user))
    return say(usage_text('Use `listen add "query"`, `listen list` or `listen remove <n>`.'))


def handle_saved(services: Services, asked: Asked) -> Answer:
    verb, _, rest = asked.args.partition(" ")
    verb = verb.lower()
    if verb == "add":
        return say(services.saved.add(rest, user=asked.user))
    if verb == "list":
        return Answer("Saved replies", build_saved_list(services.saved.active()))
    if verb == "remove":
        number = rest.strip().lstrip("#")
        if not number.isdigit() or len(number) > 9:
            return say(
                usage_text("Give the reply's number from `/tweetcare saved list`, e.g. `saved remove 2`.")
            )
        return say(services.saved.remove(int(number), user=asked.user))
    return say(usage_text('Use `saved add "title" text…`, `saved list` or `saved remove <n>`.'))


SUBCOMMANDS: dict[str, Handler] = {
    "help": handle_help,
    "user": handle_user,
    "note": handle_note,
    "tweet": handle_tweet,
    "track": handle_track,
    "search": handle_search,
    "queue": handle_queue,
    "pending": handle_pending,
    "stats": handle_stats,
    "listen": handle_listen,
    "saved": handle_saved,  # team: saved replies
}


def dispatch(services: Services, user: str, channel: str, text: str) -> Answer:
    name, _, args = " ".join(text.split()).partition(" ")
    handler = SUBCOMMANDS.get(name.lower())
    if handler is None:
        return say(usage_text() if name else usage_text("Hi! Tell me what to look up."))
    return handler(services, Asked(user=user, channel=channel, args=args.strip()))
