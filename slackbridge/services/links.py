"""Links to Slack threads, built from the workspace URL so a list of fifty cases costs no API calls."""

from __future__ import annotations

import threading
import time

from slackbridge.slack.gateway import SlackError, SlackGateway

RETRY_AFTER = 60.0


class ThreadLinks:
    """`https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>`: Slack's permalink shape."""

    def __init__(self, slack: SlackGateway | None, workspace_url: str | None = None) -> None:
        self.slack = slack
        self._base = workspace_url
        self._failed_at = 0.0
        self._lock = threading.Lock()

    def base(self) -> str | None:
        with self._lock:
            if (
                self._base is None
                and self.slack is not None
                and time.monotonic() - self._failed_at > RETRY_AFTER
            ):
                try:
                    self._base = self.slack.workspace_url()
                except SlackError:
                    self._failed_at = time.monotonic()
            return self._base

    def thread(self, channel: str | None, ts: str | None) -> str | None:
        if not channel or not ts:
            return None
        base = self.base()
        if base is None:
            return None
        return f"{base.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
