"""Who may see that DM cases exist: the members of the private DM channel (asked of Slack, cached)."""

from __future__ import annotations

import logging

from slackbridge.services.deps import Deps
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)

DM_MASK = "(a direct message: read it in the private DM channel)"


class DmAudience:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def sees_dms(self, user: str) -> bool:
        """In the DM channel; anyone else (or anyone, when Slack cannot say) is shown no DM case."""
        channel = self.deps.settings.dm_channel
        if not channel:
            return False
        try:
            return user in self.deps.slack.channel_members(channel)
        except SlackError as exc:
            logger.warning("dms.members_unknown error=%s", exc.code)
            return False
