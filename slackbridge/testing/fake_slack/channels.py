"""conversations.info and conversations.members, as Slack answers them to a bot token."""

from __future__ import annotations

from typing import Any

from slackbridge.testing.fake_slack.methods import SlackWebApi
from slackbridge.testing.fake_slack.records import Json


class ChannelInfo(SlackWebApi):
    """Who is in a channel and whether it is private; a channel nobody seeded lists no members."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members: dict[str, list[str]] = {}

    def set_channel_members(self, channel_id: str, users: list[str]) -> None:
        with self._lock:
            self._members[channel_id] = list(users)

    def _conversations_info(self, params: Json) -> Json:
        channel = self._channel(params)
        private = channel in self._private
        return {
            "channel": {
                "id": channel,
                "name": self._channels.get(channel, channel.lower()),
                "is_channel": not private,
                "is_group": private,
                "is_private": private,
                "is_archived": False,
                "is_member": channel not in self._outside,
            }
        }

    def _conversations_members(self, params: Json) -> Json:
        channel = self._channel(params)
        return {"members": list(self._members.get(channel, [])), "response_metadata": {"next_cursor": ""}}
