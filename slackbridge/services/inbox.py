"""The Slack inbox: a state-changing Slack request is stored before it is acknowledged, then handled.

Slack retries an event only when it was not acknowledged, so once we answer 200 the request is ours to keep.
The HTTP front stores the raw body under a unique key (Slack's `event_id`, or the click's own identity) in
one INSERT and answers at once; a duplicate key (Slack's retry, the same request sent to two processes) is
acknowledged and ignored. The inserting process claims the row and dispatches it right away through a Bolt
app built with `process_before_response=True`, so the dispatch returns when the listener has finished. A
process that dies holding a claim stops renewing it, and `sweep()` in any process takes the row over once
the claim has expired. After `max_attempts` failures the row is FAILED and the person is told.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from slackbridge.models import InboxStatus, SlackInbox, utcnow
from slackbridge.services.deps import Deps
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.inbound import FORM, SOCKET, Incoming

logger = logging.getLogger(__name__)

ATTEMPT = "inbox_attempt"  # in the Bolt context: 1, or more when an earlier attempt died or failed

NOT_DONE_REPLY = (
    ":warning: slackbridge received your `reply:` but could not handle it after several tries, so no "
    "draft was saved. Please write it again."
)
NOT_DONE_CLICK = (
    ":warning: slackbridge received your click but could not handle it after several tries, so nothing "
    "changed. Please try again."
)


def process_id() -> str:
    """Names this process in claims (host, pid, and a nonce in case a pid is reused)."""
    return f"{socket.gethostname()[:14]}-{os.getpid()}-{secrets.token_hex(3)}"[:32]


class Inbox:
    """Stores acknowledged Slack requests and handles each exactly once in effect."""

    def __init__(
        self,
        deps: Deps,
        dispatcher: App,
        *,
        signing_secret: str,
        workers: int = 8,
        claim_seconds: float = 10.0,
        max_attempts: int = 3,
        retry_after: float = 2.0,
        keep_done: timedelta = timedelta(days=1),
    ) -> None:
        self.deps = deps
        self.dispatcher = dispatcher
        self.signer = SignatureVerifier(signing_secret)
        self.claim = timedelta(seconds=claim_seconds)
        self.max_attempts = max_attempts
        self.retry_after = timedelta(seconds=retry_after)
        self.keep_done = keep_done
        self.me = process_id()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbox")
        self._held: set[int] = set()  # rows this process is handling now; their claims are renewed
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._renewer: threading.Thread | None = None

    # ------------------------------------------------------------ the front: one INSERT, then the ack

    def accept(self, incoming: Incoming) -> bool:
        """Store the request claimed by this process and start on it; False for a duplicate key."""
        now = utcnow()
        values = {
            "key": incoming.key,
            "kind": incoming.kind,
            "body": incoming.body,
            "content_type": incoming.content_type,
            "status": InboxStatus.PENDING,
            "attempts": 1,
            "claimed_by": self.me,
            "claimed_until": now + self.claim,
            "received_at": now,
        }
        dialect = self.deps.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(SlackInbox).values(**values).on_conflict_do_nothing(index_elements=["key"])
        with self.deps.session() as session:
            result = session.execute(statement.returning(col(SlackInbox.id)))
            row_id = result.scalar_one_or_none()
        if row_id is None:
            logger.info("inbox.duplicate kind=%s", incoming.kind)
            return False
        logger.info("inbox.stored id=%s kind=%s", row_id, incoming.kind)
        self._submit(row_id)
        return True

    def _submit(self, row_id: int) -> None:
        with self._lock:
            self._held.add(row_id)
        self._ensure_renewer()
        try:
            self._pool.submit(self._run, row_id)
        except RuntimeError:  # the pool is shutting down: the claim expires and another process sweeps it
            self._release(row_id)

    # ------------------------------------------------------------ handling a claimed row

    def _run(self, row_id: int) -> None:
        try:
            self.handle(row_id)
        except Exception:  # a store outage: the claim expires and the row is swept again
            logger.exception("inbox.handle_failed id=%s", row_id)
        finally:
            self._release(row_id)

    def handle(self, row_id: int) -> None:
        """Dispatch a row this process has claimed, and record the outcome."""
        with self.deps.session() as session:
            row = session.get(SlackInbox, row_id)
            if row is None or row.status != InboxStatus.PENDING or row.claimed_by != self.me:
                return
            body, content_type, kind, attempts = row.body, row.content_type, row.kind, row.attempts
        status, error = self._dispatch(body, content_type, attempts)
        if status < 500:
            if status >= 400:  # Bolt could not read it: running it again would not help
                logger.warning("inbox.refused id=%s status=%s", row_id, status)
            self._finish(row_id, InboxStatus.DONE, error=None if status < 400 else f"status {status}")
            return
        if attempts >= self.max_attempts:
            if self._finish(row_id, InboxStatus.FAILED, error=error):
                logger.error("inbox.gave_up id=%s kind=%s attempts=%s", row_id, kind, attempts)
                self._tell_not_done(kind, body, content_type)
            return
        logger.warning("inbox.attempt_failed id=%s attempt=%s", row_id, attempts)
        self._release(row_id)  # stop renewing first, so the short claim below is not extended
        with self.deps.session() as session:  # let the claim lapse soon: a sweep runs it again
            session.execute(
                sa.update(SlackInbox)
                .where(col(SlackInbox.id) == row_id, col(SlackInbox.claimed_by) == self.me)
                .values(claimed_until=utcnow() + self.retry_after, error=error)
            )

    def _dispatch(self, body: str, content_type: str, attempt: int) -> tuple[int, str | None]:
        # Listeners may finish what an earlier attempt (whose process died) left half done.
        context = {ATTEMPT: attempt}
        if content_type == SOCKET:
            request = BoltRequest(body=json.loads(body), mode="socket_mode", context=context)
        else:
            # Bolt checks the signature; a stored request may be older than its 5-minute window.
            timestamp = str(int(time.time()))
            signature = self.signer.generate_signature(timestamp=timestamp, body=body)
            headers: dict[str, str | Sequence[str]] = {
                "content-type": content_type,
                "x-slack-request-timestamp": timestamp,
                "x-slack-signature": signature or "",
            }
            request = BoltRequest(body=body, headers=headers, context=context)
        try:
            response = self.dispatcher.dispatch(request)
        except Exception as exc:
            logger.exception("inbox.dispatch_failed")
            return 500, type(exc).__name__
        return response.status, None if response.status < 500 else f"listener failed ({response.status})"

    def _finish(self, row_id: int, status: InboxStatus, *, error: str | None) -> bool:
        with self.deps.session() as session:
            done = session.execute(
                sa.update(SlackInbox)
                .where(
                    col(SlackInbox.id) == row_id,
                    col(SlackInbox.claimed_by) == self.me,
                    col(SlackInbox.status) == InboxStatus.PENDING,
                )
                .values(status=status, done_at=utcnow(), claimed_until=None, error=error)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def _tell_not_done(self, kind: str, body: str, content_type: str) -> None:
        """One clear line for the person whose request was acknowledged but never handled."""
        try:
            payload = _payload(body, content_type)
            if kind == "action":
                response_url = payload.get("response_url")
                if response_url:
                    WebhookClient(str(response_url), timeout=10).send(
                        text=NOT_DONE_CLICK, response_type="ephemeral", replace_original=False
                    )
                    return
                channel = (payload.get("channel") or {}).get("id")
                user = (payload.get("user") or {}).get("id")
                if channel and user:
                    self.deps.slack.ephemeral(str(channel), str(user), NOT_DONE_CLICK)
                return
            event = payload.get("event") or {}
            if event.get("type") == "message" and event.get("user") and event.get("channel"):
                thread_ts = event.get("thread_ts")
                self.deps.slack.ephemeral(
                    str(event["channel"]),
                    str(event["user"]),
                    NOT_DONE_REPLY,
                    thread_ts=str(thread_ts) if thread_ts else None,
                )
        except (SlackError, ValueError, TypeError, AttributeError, OSError):
            logger.exception("inbox.notice_failed kind=%s", kind)

    # ------------------------------------------------------------ rows whose process died

    def sweep(self) -> int:
        """Take over pending rows whose claim expired (their process died, or an attempt failed)."""
        now = utcnow()
        with self.deps.session() as session:
            session.execute(
                sa.delete(SlackInbox).where(
                    col(SlackInbox.status) == InboxStatus.DONE, col(SlackInbox.done_at) < now - self.keep_done
                )
            )
            due = session.execute(
                sa.select(col(SlackInbox.id))
                .where(col(SlackInbox.status) == InboxStatus.PENDING, col(SlackInbox.claimed_until) < now)
                .order_by(col(SlackInbox.id))
                .limit(100)
            ).all()
        taken = 0
        for (row_id,) in due:
            if self._claim(row_id, now):
                taken += 1
                logger.info("inbox.swept id=%s", row_id)
                self._submit(row_id)
        return taken

    def _claim(self, row_id: int, now: Any) -> bool:
        with self.deps.session() as session:
            claimed = session.execute(
                sa.update(SlackInbox)
                .where(
                    col(SlackInbox.id) == row_id,
                    col(SlackInbox.status) == InboxStatus.PENDING,
                    col(SlackInbox.claimed_until) < now,
                )
                .values(
                    claimed_by=self.me,
                    claimed_until=now + self.claim,
                    attempts=col(SlackInbox.attempts) + 1,
                )
            )
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    def counts(self) -> dict[str, int]:
        """For /healthz: requests waiting (or being handled), and those given up on."""
        with self.deps.session() as session:
            rows = session.execute(
                sa.select(col(SlackInbox.status), sa.func.count())
                .where(col(SlackInbox.status) != InboxStatus.DONE)
                .group_by(col(SlackInbox.status))
            ).all()
        found = {str(status): int(count) for status, count in rows}
        return {"pending": found.get(InboxStatus.PENDING, 0), "failed": found.get(InboxStatus.FAILED, 0)}

    # ------------------------------------------------------------ keeping claims while we work

    def _release(self, row_id: int) -> None:
        with self._lock:
            self._held.discard(row_id)

    def _ensure_renewer(self) -> None:
        with self._lock:
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(target=self._renew_loop, name="inbox-renew", daemon=True)
                self._renewer.start()

    def _renew_loop(self) -> None:
        period = self.claim.total_seconds() / 3
        while not self._closed.wait(period):
            with self._lock:
                held = sorted(self._held)
            if not held:
                continue
            try:
                with self.deps.session() as session:
                    session.execute(
                        sa.update(SlackInbox)
                        .where(
                            col(SlackInbox.id).in_(held),
                            col(SlackInbox.claimed_by) == self.me,
                            col(SlackInbox.status) == InboxStatus.PENDING,
                        )
                        .values(claimed_until=utcnow() + self.claim)
                    )
            except Exception:  # the store is away: the claims may lapse and be swept, which is safe
                logger.exception("inbox.renew_failed")

    def close(self, wait: bool = True) -> None:
        """Finish the requests in hand (unless `wait` is False), then stop renewing claims."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        self._closed.set()


def _payload(body: str, content_type: str) -> dict[str, Any]:
    if content_type.startswith(FORM):
        return dict(json.loads(parse_qs(body)["payload"][0]))
    return dict(json.loads(body))
