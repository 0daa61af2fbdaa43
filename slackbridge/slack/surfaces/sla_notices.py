"""Reminders and escalations in a case's thread: each posted once from its surface row, so a process that
dies between the scheduler's claim and the post leaves it for the sweep, and a post whose answer was lost
is found on Slack instead of being sent again."""

from __future__ import annotations

import logging

from sqlmodel import col, update

from slackbridge.models import Case, SlackSurface, utcnow
from slackbridge.services.deps import Deps
from slackbridge.services.sla import format_duration
from slackbridge.slack.blocks.sla import build_escalation, build_reminder
from slackbridge.slack.surfaces.base import ATTEMPT_SLACK, SurfaceStore, parse_key
from slackbridge.slack.surfaces.guard import find_earlier

logger = logging.getLogger(__name__)


def mention(target: str | None) -> str | None:
    if not target:
        return None
    return f"<!subteam^{target}>" if target.startswith("S") else f"<@{target}>"


class SlaNotices:
    def __init__(self, deps: Deps, store: SurfaceStore) -> None:
        self.deps = deps
        self.store = store

    def render(self, key: str) -> bool:
        """Post the notice once; a turn already answered has nothing left to say."""
        case_id, kind, stamp = parse_key(key)[1].split(":")
        row = self.store.row(key)
        if row is None or row.ts:
            return True
        with self.deps.session() as session:
            case = session.get(Case, int(case_id))
            if case is None or not case.channel_id or not case.thread_ts or case.due_at is None:
                return True
            if int(case.due_at.timestamp()) != int(stamp):
                return True
            channel, thread_ts, due = case.channel_id, case.thread_ts, case.due_at
            owner = mention(case.assignee_id) or "<!here>"
            policy = self.deps.settings.sla
            first = case.first_response_at is None
            target = policy.target(case.category, case.urgency, first=first) if policy else None
        of = format_duration(target) if target else None
        if kind == "escalate":
            text, blocks = build_escalation(
                int(case_id), mention(self.deps.settings.escalate_to) or owner, due, of
            )
        else:
            text, blocks = build_reminder(int(case_id), owner, due, of)
        if row.channel:  # an earlier attempt's answer was lost: look before posting again
            since = row.updated_at.timestamp() - ATTEMPT_SLACK
            found = find_earlier(self.deps.slack, [channel], key, since=since, thread_ts=thread_ts)
            if found is not None:
                self._posted(key, found[1])
                return True
        self._attempt(key, channel)
        ts = self.deps.slack.post(channel, text, blocks, thread_ts=thread_ts, post_key=key)
        self._posted(key, ts)
        return True

    def _attempt(self, key: str, channel: str) -> None:
        with self.deps.session() as session:
            session.execute(
                update(SlackSurface)
                .where(col(SlackSurface.key) == key)
                .values(channel=channel, updated_at=utcnow())
            )

    def _posted(self, key: str, ts: str) -> None:
        with self.deps.session() as session:
            session.execute(update(SlackSurface).where(col(SlackSurface.key) == key).values(ts=ts))
        logger.info("sla.notice_posted key=%s", key)
