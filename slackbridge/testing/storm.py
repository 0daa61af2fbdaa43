"""A storm against real `slackbridge run` processes: mentions, `reply:` drafts, approval clicks and kill -9.

Used by the chaos test (which asserts the product's promises) and by `bench/storm.py` (which times it).
The fake Slack and X run in this process; the service runs as separate processes on one store. What the
run proves is counted from what people would see: cards in the fake Slack, posts on the fake X.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

import slackbridge
from slackbridge.slack.ids import ActionId
from slackbridge.testing.env import fake_service_env
from slackbridge.testing.fake_slack import FakeSlack, Json, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.fleet import READY_TIMEOUT, Fleet, FleetError, Member, run_command
from slackbridge.testing.slack_driver import SlackDriver, new_event_id
from slackbridge.testing.storm_result import Reply, StormConfig, StormResult

CHANNEL = "C0CARDS"
AGENT, MANAGER, LEAD, OUTSIDER = "UAGENT", "UMANAGER", "ULEAD", "UOTHER"  # LEAD approves via S0LEADS
SIGNING_SECRET = "storm-signing-secret"
SLACK_TIMEOUT = 3.0  # Slack shows an error (and retries an event) when the ack takes longer
EVENT_RETRY_DELAYS = (1.0, 3.0, 6.0)  # Slack retries three times (after ~0 s, 1 min, 5 min: compressed)
MIN_UPTIME = 3.0  # seconds a restarted process serves before it may be killed again
CLICK_ATTEMPTS = 4  # a person whose click failed clicks again
TOKEN = re.compile(r"\bref (Q\d{4})\b")

__all__ = ["StormConfig", "StormResult", "run_storm", "running_fakes", "service_env"]


# -- the fakes and the processes' settings ---------------------------------------------------------------


@contextlib.contextmanager
def running_fakes() -> Iterator[tuple[FakeSlack, FakeX]]:
    """The fake Slack and X with the care channel, staff and the approvers' user group."""
    with FakeSlack() as slack, FakeX(brand_username="acme") as x:
        slack.add_channel(CHANNEL, "x-care")
        for user_id, name in [(AGENT, "alex"), (MANAGER, "maria"), (LEAD, "lee"), (OUTSIDER, "olga")]:
            slack.add_user(user_id, name, real_name=name.capitalize())
        slack.add_usergroup("S0LEADS", [LEAD])
        yield slack, x


def service_env(slack: FakeSlack, x: FakeX, config: StormConfig) -> dict[str, str]:
    """Everything a `slackbridge` process reads, and nothing from this machine's own .env or keys."""
    repo = Path(slackbridge.__file__).resolve().parent.parent
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(config.workdir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(repo),
        "PYTHONUNBUFFERED": "1",
        "SLACKBRIDGE_ENV_FILE": os.devnull,
    } | fake_service_env(
        slack,
        x,
        config.database_url,
        signing_secret=SIGNING_SECRET,
        channel=CHANNEL,
        approvers=f"{MANAGER},S0LEADS",
        SLACKBRIDGE_POLL_SECONDS=f"{config.poll_seconds:g}",
    )


def run_storm(config: StormConfig) -> StormResult:
    """Start the fakes and the processes, run the storm, settle, and count; every process is gone after."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    with running_fakes() as (slack, x):
        env = service_env(slack, x, config)
        run_command(["db", "upgrade"], env, config.workdir)
        with Fleet(env, config.workdir / "logs", web=config.web, workers=config.workers) as fleet:
            return _Storm(config, slack, x, fleet).run()


# -- the storm itself ------------------------------------------------------------------------------------


class _Storm:
    def __init__(self, config: StormConfig, slack: FakeSlack, x: FakeX, fleet: Fleet) -> None:
        self.config, self.slack, self.x, self.fleet = config, slack, x, fleet
        self.rng = random.Random(config.seed)
        self.lock = threading.Lock()
        self.mentioned: dict[str, float] = {}
        self.replies: dict[str, Reply] = {}
        self.approvals_acked: set[str] = set()
        self.approvals_tried: set[str] = set()
        self.kills: list[tuple[float, str]] = []
        self.problems: list[str] = []
        self.calm = threading.Event()  # set: no more kills; the supervisor only restarts what died
        self.done = threading.Event()
        self.restarting: set[str] = set()
        self.misses: Counter[str] = Counter()
        self.restarts: list[threading.Thread] = []

    # -- orchestration -------------------------------------------------------------------------------------

    def run(self) -> StormResult:
        try:
            return self._run()
        finally:
            self.done.set()  # whatever happened: no more kills, and nothing started again after this
            self.fleet.stop()
            for thread in self.restarts:
                thread.join(timeout=READY_TIMEOUT + 5)

    def _run(self) -> StormResult:
        started = time.time()
        self.fleet.start()
        self.t0 = time.time()
        chaos = threading.Thread(target=self._chaos, name="storm-chaos", daemon=True)
        feeder = threading.Thread(target=self._feed, name="storm-feed", daemon=True)
        with ThreadPoolExecutor(8, thread_name_prefix="storm-slack") as pool:
            chaos.start()
            feeder.start()
            replier = threading.Thread(target=self._reply_all, args=(pool,), name="storm-reply", daemon=True)
            approver = threading.Thread(target=self._approve_all, args=(pool,), name="storm-approve")
            replier.start()
            approver.start()
            feeder.join()
            replier.join()
            approver.join()
        self.calm.set()
        self._settle()
        elapsed = time.time() - started
        reads = [r for r in self.x.requests if r.method == "GET" and r.path.endswith("/mentions")]
        first_pages = sorted(r.at for r in reads if "pagination_token" not in r.query)
        self.done.set()
        chaos.join(timeout=60)
        for member in self.fleet.members:
            member.note_unexpected_exit()
            self.problems.extend(
                f"{member.name} exited by itself with code {code} (log: {member.log_path})"
                for code in member.exits
            )
        result = StormResult(
            config=self.config,
            elapsed=elapsed,
            mentioned=dict(self.mentioned),
            cards=self._cards(),
            kills=list(self.kills),
            reads=len(reads),
            read_times=first_pages,
            replies=dict(self.replies),
            drafts=self._drafts(),
            approvals_acked=set(self.approvals_acked),
            approvals_tried=set(self.approvals_tried),
            posts=[_token(p["text"]) for p in self.x.posted()],
            problems=list(self.problems),
            log_errors=self.fleet.count_in_logs(" ERROR "),
            log_tracebacks=self.fleet.count_in_logs("Traceback (most recent call last)"),
            slack_misses=dict(self.misses),
        )
        if result.violations():
            result.logs = self.fleet.logs()
        return result

    def _at(self, seconds: float) -> None:
        """Sleep until `seconds` after the storm began."""
        time.sleep(max(0.0, self.t0 + seconds - time.time()))

    def _settle(self) -> None:
        """Until every card, draft and post is there, or the bound: a stalled service fails the count."""
        deadline = time.monotonic() + self.config.settle_seconds
        while time.monotonic() < deadline:
            cards, drafts = self._cards(), self._drafts()
            posts = Counter(_token(p["text"]) for p in self.x.posted())
            if (
                all(cards.get(tid) for tid in self.mentioned)
                and all(drafts.get(t) for t, r in self.replies.items() if r.acked)
                and all(posts.get(t) for t in self.approvals_acked)
            ):
                time.sleep(2 * self.config.poll_seconds)  # a late duplicate would show up now
                return
            time.sleep(0.5)

    # -- mentions ------------------------------------------------------------------------------------------

    def _feed(self) -> None:
        step = self.config.feed_seconds / max(1, self.config.mentions)
        for n in range(self.config.mentions):
            self._at(n * step)
            tweet_id = self.x.mention(f"storm{n:04d}", f"@acme my order {n} has not arrived yet")
            with self.lock:
                self.mentioned[tweet_id] = time.time()

    def _cards(self) -> dict[str, list[float]]:
        """Cards by the post they show (the key in their metadata), with when each was posted (its ts)."""
        found: dict[str, list[float]] = {}
        for message in self.slack.messages(CHANNEL):
            metadata = message.get("metadata") or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            key = str((metadata.get("event_payload") or {}).get("key") or "")
            if key in self.mentioned:
                found.setdefault(key, []).append(float(message["ts"]))
        return found

    # -- chaos ---------------------------------------------------------------------------------------------

    def _chaos(self) -> None:
        """kill -9 a random process at random moments (restarted meanwhile); restart anything that died."""
        config = self.config
        span = max(1.0, config.feed_seconds - 9.0)
        slot = span / max(1, config.kills)
        moments = [3.0 + (k + self.rng.uniform(0.1, 0.9)) * slot for k in range(config.kills)]
        for moment in moments:
            while not (self.done.is_set() or self.calm.is_set()):
                self._supervise()
                ready = [m for m in self.fleet.members if m.alive and m.name not in self.restarting]
                # A kill that had to wait must not strike the moment a process is back: that is a
                # crash loop, not the storm's random moment.
                settled = [m for m in ready if time.monotonic() - m.ready_at >= MIN_UPTIME]
                # Never the whole service, nor every web process: Slack's real retries (after 1 and 5
                # minutes) would outlast any restart, the compressed ones here would not.
                web_ready = [m for m in ready if m.role == "web"]
                candidates = [m for m in settled if m.role != "web" or len(web_ready) > 1]
                alone = len(self.fleet.members) == 1  # then its restart is what the run measures
                if alone:
                    candidates = settled
                if time.time() >= self.t0 + moment and candidates and (alone or len(ready) > 1):
                    break
                time.sleep(0.1)
            if self.done.is_set() or self.calm.is_set():
                break  # the settling phase is quiet: what is still broken then stays broken
            victim = self.rng.choice(candidates)
            victim.kill()
            with self.lock:
                self.kills.append((time.time(), victim.name))
                self.restarting.add(victim.name)
            delay = self.rng.uniform(0.3, 2.0)
            self._spawn_restart(victim, delay)
        while not self.done.is_set():
            self._supervise()
            time.sleep(0.2)

    def _supervise(self) -> None:
        for member in self.fleet.members:
            with self.lock:
                if member.name in self.restarting or member.popen is None or member.alive:
                    continue
                self.restarting.add(member.name)
            member.note_unexpected_exit()
            self._spawn_restart(member, 0.0)

    def _spawn_restart(self, member: Member, delay: float) -> None:
        thread = threading.Thread(target=self._restart, args=(member, delay), daemon=True)
        self.restarts.append(thread)
        thread.start()

    def _restart(self, member: Member, delay: float) -> None:
        time.sleep(delay)
        try:
            if not self.done.is_set():
                member.restart()
        except FleetError as exc:
            with self.lock:
                self.problems.append(f"could not restart {member.name}: {exc}")
        finally:
            with self.lock:
                self.restarting.discard(member.name)

    # -- Slack traffic -------------------------------------------------------------------------------------

    def _driver(self) -> SlackDriver:
        """Slack's request to the app's URL: a load balancer in front of the web processes picks one."""
        member = self.rng.choice(self.fleet.web)
        return SlackDriver(member.url, SIGNING_SECRET, fake=self.slack, timeout=SLACK_TIMEOUT)

    def _reply_all(self, pool: ThreadPoolExecutor) -> None:
        config = self.config
        span = max(1.0, config.feed_seconds - 12.0)
        for n in range(config.replies):
            self._at(4.0 + n * span / max(1, config.replies))
            cards = self._cards()
            with self.lock:
                taken = {r.tweet_id for r in self.replies.values()}
            open_cards = [tid for tid in cards if tid not in taken]
            if not open_cards:
                continue
            tweet_id = self.rng.choice(sorted(open_cards))
            token = f"Q{n:04d}"
            card_ts = f"{min(cards[tweet_id]):.6f}"
            with self.lock:
                self.replies[token] = Reply(tweet_id, card_ts)
            pool.submit(self._send_reply, token, card_ts)

    def _send_reply(self, token: str, card_ts: str) -> None:
        """A `reply:` message event, retried as Slack retries (same event_id) until one process acks it."""
        text = f"reply: Thanks for waiting, we are looking into your order now (ref {token})"
        event = self._driver().thread_message_event(CHANNEL, card_ts, AGENT, text)
        event_id = new_event_id()
        for attempt in range(len(EVENT_RETRY_DELAYS) + 1):
            if attempt:
                time.sleep(EVENT_RETRY_DELAYS[attempt - 1])
            try:
                answer = self._driver().event(
                    event,
                    event_id=event_id,
                    retry_num=attempt or None,
                    retry_reason="http_timeout" if attempt else None,
                )
            except requests.RequestException as exc:
                self._missed(type(exc).__name__)
                continue
            if answer.status == 200:
                with self.lock:
                    self.replies[token].acked = True
                return
            self._missed(f"http_{answer.status}")

    def _approve_all(self, pool: ThreadPoolExecutor) -> None:
        """Approve most drafts as soon as they show, with several approvers on several processes at once."""
        decided: set[str] = set()
        until = self.t0 + self.config.feed_seconds + 5.0
        while time.time() < until:
            with self.lock:
                waiting = [(t, r) for t, r in self.replies.items() if r.acked and t not in decided]
            for token, reply in waiting:
                message = self._draft_message(reply.card_ts, token)
                if message is None:
                    continue
                decided.add(token)
                if self.rng.random() < self.config.approve_share:
                    clickers = [MANAGER, LEAD] + ([MANAGER] if self.rng.random() < 0.4 else [])
                elif self.rng.random() < 0.5:
                    clickers = [OUTSIDER]  # must be refused: never posted
                else:
                    clickers = []
                for user in clickers:
                    pool.submit(self._click_approve, user, token, message)
            time.sleep(0.3)

    def _click_approve(self, user: str, token: str, message: Json) -> None:
        button = _button(message, ActionId.APPROVE)
        if button is None:
            return
        approver = user != OUTSIDER
        for _ in range(CLICK_ATTEMPTS):
            if approver:
                with self.lock:
                    self.approvals_tried.add(token)
            try:
                result = self._driver().click(
                    user, ActionId.APPROVE, button["value"], channel=CHANNEL, message_ts=message["ts"]
                )
            except requests.RequestException as exc:
                self._missed(type(exc).__name__)
                time.sleep(1.0)  # the person sees an error and clicks again
                continue
            if result.status == 200:
                if approver:
                    with self.lock:
                        self.approvals_acked.add(token)
                return
            self._missed(f"http_{result.status}")
            time.sleep(1.0)

    def _missed(self, why: str) -> None:
        with self.lock:
            self.misses[why] += 1

    def _draft_message(self, card_ts: str, token: str) -> Json | None:
        for message in self.slack.thread(CHANNEL, card_ts):
            if (
                message.get("bot_id")
                and token in message_text(message)
                and _button(message, ActionId.APPROVE)
            ):
                return message
        return None

    def _drafts(self) -> dict[str, int]:
        """How many draft messages the app showed for each `reply:` (its ref token)."""
        counts: dict[str, int] = {}
        with self.lock:
            replies = dict(self.replies)
        threads: dict[str, list[Json]] = {}
        for token, reply in replies.items():
            if reply.card_ts not in threads:
                threads[reply.card_ts] = self.slack.thread(CHANNEL, reply.card_ts)
            counts[token] = sum(
                1
                for m in threads[reply.card_ts]
                if m.get("bot_id") and token in message_text(m) and "draft" in message_text(m).lower()
            )
        return counts


def _token(text: str) -> str:
    found = TOKEN.search(text)
    return found.group(1) if found else ""


def _button(message: Json, action_id: str) -> Json | None:
    for block in message.get("blocks") or []:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None
