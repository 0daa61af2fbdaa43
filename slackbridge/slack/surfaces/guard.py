"""The lost-answer guard: before posting again, look on Slack for a message an earlier attempt left."""

from __future__ import annotations

import logging

from slackbridge.slack.gateway import SlackError, SlackGateway

logger = logging.getLogger(__name__)

# Slack errors that mean "try again later" for every post, not just this one.
SLACK_UNAVAILABLE = {
    "unavailable",  # a 5xx or an answer that is not Slack's JSON (see SlackGateway._call)
    "unreachable",
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}
# Errors that say the channel cannot take posts from us.
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "restricted_action"}


def find_earlier(
    slack: SlackGateway, channels: list[str], post_key: str, *, since: float, thread_ts: str | None = None
) -> tuple[str, str] | None:
    """(channel, ts) of our message posted with `post_key` in one of `channels`, if any."""
    for channel in dict.fromkeys(channels):
        try:
            found = slack.find_post(channel, post_key, since=since, thread_ts=thread_ts)
        except SlackError as exc:
            if exc.code in SLACK_UNAVAILABLE:
                raise  # cannot tell: wait for the next round rather than risk a second message
            continue  # e.g. a channel we cannot read: it cannot hold our message either
        if found is not None:
            logger.info("surface.found_posted key=%s channel=%s", post_key, found[0])
            return found
    return None
