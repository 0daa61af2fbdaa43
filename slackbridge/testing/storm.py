"""A storm against real `slackbridge run` processes: mentions, `reply:` drafts, approval clicks and kill -9.

Used by the chaos test (which asserts the product's promises) and by `bench/storm.py` (which times it).
The fake Slack and X run in this process; the service runs as separate processes on one store. What the
run proves is counted from what people would see: cards in the fake Slack, posts on the fake X.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

import slackbridge
from slackbridge.slack.ids import ActionId
from slackbridge.testing.fake_slack import FakeSlack, Json, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.fleet import Fleet, FleetError, Member, run_command
from slackbridge.testing.slack_driver import SlackDriver, new_event_id

CHANNEL = "C0CARDS"
AGENT, MANAGER, LEAD, OUTSIDER = "UAGENT", "UMANAGER", "ULEAD", "UOTHER"  # LEAD approves via S0LEADS
SIGNING_SECRET = "storm-signing-secret"
SLACK_TIMEOUT = 3.0  # Slack shows an error (and retries an event) when the ack takes longer
EVENT_RETRY_DELAYS = (1.0, 3.0, 6.0)  # Slack retries three times (after ~0 s, 1 min, 5 min: compressed)
CLICK_ATTEMPTS = 4  # a person whose click failed clicks again
TOKEN = re.compile(r"\bref (Q\d{4})\b")


@dataclass
class StormConfig:
    database_url: str
    workdir: Path
    web: int = 2
    workers: int = 2
    mentions: int = 200
    feed_seconds: float = 40.0
    kills: int = 6
    replies: int = 40
    approve_share: float = 0.75
    poll_seconds: float = 1.0
    settle_seconds: float = 30.0
    max_gap_after_kill: float = 15.0
    seed: int = 0


@dataclass
class Reply:
    tweet_id: str
    card_ts: str
    acked: bool = False


@dataclass
class StormResult:
    config: StormConfig
    elapsed: float
    mentioned: dict[str, float]
    cards: dict[str, list[float]]
    kills: list[tuple[float, str]]
    reads: int
    read_times: list[float]  # when X served each mentions read that began a poll (not a next page)
    replies: dict[str, Reply]
    drafts: dict[str, int]
    approvals_acked: set[str]
    approvals_tried: set[str]
    posts: list[str]  # the ref token of every post on X ("" when a post has none)
    problems: list[str] = field(default_factory=list)  # of the harness or the processes, not guarantees
    log_errors: int = 0  # ERROR lines the processes logged
    slack_misses: dict[str, int] = field(default_factory=dict)  # requests no process acknowledged, by why
    log_tracebacks: int = 0
    logs: str = ""

    # -- figures -------------------------------------------------------------------------------------------

    @property
    def first_cards(self) -> dict[str, float]:
        return {tid: min(times) for tid, times in self.cards.items() if times}

    @property
    def latencies(self) -> list[float]:
        return sorted(max(0.0, t - self.mentioned[tid]) for tid, t in self.first_cards.items())

    def percentile(self, share: float) -> float:
        values = self.latencies
        if not values:
            return math.inf
        return values[min(len(values) - 1, math.ceil(share * len(values)) - 1)]

    @property
    def gaps_after_kills(self) -> list[float | None]:
        """For each kill, seconds from when a card was next due (a mention waiting) to the next card.

        inf: no card came at all; None: nothing was waiting for a card after that kill."""
        times = sorted(t for ts in self.cards.values() for t in ts)
        firsts = self.first_cards
        gaps: list[float | None] = []
        for killed_at, _ in self.kills:
            waiting = [at for tid, at in self.mentioned.items() if firsts.get(tid, math.inf) > killed_at]
            if not waiting:
                gaps.append(None)
                continue
            due = max(killed_at, min(waiting))
            gaps.append(min((t for t in times if t > due), default=math.inf) - due)
        return gaps

    @property
    def worst_gap_after_kill(self) -> float:
        return max((gap for gap in self.gaps_after_kills if gap is not None), default=0.0)

    @property
    def longest_gap(self) -> float:
        """The longest stretch without a new card while some mention was waiting for one."""
        start = min(self.mentioned.values(), default=0.0)
        end = start + self.elapsed
        firsts = self.first_cards
        times = sorted(t for ts in self.cards.values() for t in ts)
        longest = 0.0
        for previous, t in itertools.pairwise([start, *times, end]):
            waiting = [
                at for tid, at in self.mentioned.items() if firsts.get(tid, math.inf) > previous and at < t
            ]
            if waiting:
                longest = max(longest, t - max(previous, min(waiting)))
        return longest

    @property
    def allowed_reads(self) -> int:
        """What one poller makes in the run (a read per interval), with a margin for hand-overs."""
        rounds = self.elapsed / self.config.poll_seconds
        return math.ceil(rounds * 1.1) + 2 + len(self.kills)

    @property
    def close_reads(self) -> int:
        """Mentions reads closer together than one poller makes them (its interval apart, after a round)."""
        close = 0.5 * self.config.poll_seconds
        return sum(1 for a, b in itertools.pairwise(self.read_times) if b - a < close)

    @property
    def allowed_close_reads(self) -> int:
        """A new leader may read right after its predecessor died, or when it takes over."""
        return 2 * len(self.kills) + 2

    @property
    def cards_per_second(self) -> float:
        firsts = sorted(self.first_cards.values())
        if len(firsts) < 2:
            return 0.0
        return len(firsts) / max(1e-9, firsts[-1] - min(self.mentioned.values()))

    def figures(self) -> dict[str, Any]:
        posts = Counter(self.posts)
        return {
            "processes": self.config.web + self.config.workers,
            "mentions": len(self.mentioned),
            "carded": len(self.first_cards),
            "kills": len(self.kills),
            "longest_gap_s": round(self.longest_gap, 1),
            "worst_gap_after_kill_s": round(self.worst_gap_after_kill, 1),
            "cards_per_s": round(self.cards_per_second, 2),
            "latency_p50_s": round(self.percentile(0.5), 2),
            "latency_p95_s": round(self.percentile(0.95), 2),
            "mention_reads": self.reads,
            "allowed_reads": self.allowed_reads,
            "close_reads": self.close_reads,
            "reads_per_100_mentions": round(100 * self.reads / max(1, len(self.mentioned)), 1),
            "replies_sent": len(self.replies),
            "replies_acked": sum(r.acked for r in self.replies.values()),
            "drafts": sum(self.drafts.values()),
            "approvals_tried": len(self.approvals_tried),
            "approvals_acked": len(self.approvals_acked),
            "posts": sum(posts.values()),
            "broken_promises": len(self.violations()),
            "elapsed_s": round(self.elapsed, 1),
            "log_errors": self.log_errors,
            "log_tracebacks": self.log_tracebacks,
            "slack_misses": ",".join(f"{why}:{n}" for why, n in sorted(self.slack_misses.items())) or "0",
        }

    def summary(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.figures().items())

    # -- the promises --------------------------------------------------------------------------------------

    def violations(self) -> list[str]:
        """Every broken promise, one line each (empty when the run kept them all)."""
        out: list[str] = []
        never = [tid for tid in self.mentioned if not self.cards.get(tid)]
        twice = {tid: len(ts) for tid, ts in self.cards.items() if len(ts) > 1}
        if never:
            out.append(f"{len(never)} of {len(self.mentioned)} mentions never got a card (e.g. {never[:3]})")
        if twice:
            out.append(f"{len(twice)} mentions were carded more than once: {_sample(twice)}")
        acked = {token for token, reply in self.replies.items() if reply.acked}
        lost = sorted(token for token in acked if self.drafts.get(token, 0) == 0)
        doubled = {token: n for token, n in self.drafts.items() if n > 1}
        if lost:
            out.append(
                f"{len(lost)} of {len(acked)} acknowledged reply: messages became no draft: {lost[:5]}"
            )
        if doubled:
            out.append(f"{len(doubled)} reply: messages became several drafts: {_sample(doubled)}")
        posts = Counter(self.posts)
        unposted = sorted(token for token in self.approvals_acked if posts.get(token, 0) == 0)
        reposted = {token: n for token, n in posts.items() if n > 1}
        unapproved = sorted(token or "(no ref)" for token in posts if token not in self.approvals_tried)
        if unposted:
            out.append(
                f"{len(unposted)} of {len(self.approvals_acked)} acknowledged approvals never reached X: "
                f"{unposted[:5]}"
            )
        if reposted:
            out.append(f"{len(reposted)} drafts were posted on X more than once: {_sample(reposted)}")
        if unapproved:
            out.append(f"{len(unapproved)} posts on X had no approval click: {unapproved[:5]}")
        if self.reads > self.allowed_reads:
            out.append(
                f"X mentions were read {self.reads} times in {self.elapsed:.0f}s; one poller every "
                f"{self.config.poll_seconds:g}s makes at most {self.allowed_reads}"
            )
        if self.close_reads > self.allowed_close_reads:
            out.append(
                f"{self.close_reads} polls of X's mentions began less than "
                f"{0.5 * self.config.poll_seconds:g}s after the previous one (one poller: at most "
                f"{self.allowed_close_reads}, at hand-overs): several processes poll X"
            )
        slow = [
            f"{name} at +{k - min(self.mentioned.values()):.0f}s: "
            + ("no card since" if math.isinf(gap) else f"{gap:.1f}s")
            for (k, name), gap in zip(self.kills, self.gaps_after_kills, strict=True)
            if gap is not None and gap > self.config.max_gap_after_kill
        ]
        if slow:
            out.append(
                f"after {len(slow)} of {len(self.kills)} kills the next card took longer than "
                f"{self.config.max_gap_after_kill:g}s: {slow}"
            )
        return out + self.problems


def _sample(counts: dict[str, int]) -> str:
    return ", ".join(f"{key}x{n}" for key, n in list(counts.items())[:5])


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
    import os

    repo = Path(slackbridge.__file__).resolve().parent.parent
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(config.workdir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(repo),
        "PYTHONUNBUFFERED": "1",
        "SLACKBRIDGE_ENV_FILE": str(config.workdir / "none.env"),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACKBRIDGE_CHANNEL": CHANNEL,
        "SLACKBRIDGE_APPROVERS": f"{MANAGER},S0LEADS",
        "X_API_KEY": x.api_key,
        "X_API_SECRET": x.api_secret,
        "X_ACCESS_TOKEN": x.access_token,
        "X_ACCESS_TOKEN_SECRET": x.access_token_secret,
        "X_BEARER_TOKEN": x.bearer_token or "",
        "X_API_URL": x.url,
        "DATABASE_URL": config.database_url,
        "SLACKBRIDGE_POLL_SECONDS": f"{config.poll_seconds:g}",
        "SLACKBRIDGE_POST_INTERVAL": "0",
    }


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

    # -- orchestration -------------------------------------------------------------------------------------

    def run(self) -> StormResult:
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
                # Never the whole service, nor every web process: Slack's real retries (after 1 and 5
                # minutes) would outlast any restart, the compressed ones here would not.
                web_ready = [m for m in ready if m.role == "web"]
                candidates = [m for m in ready if m.role != "web" or len(web_ready) > 1]
                alone = len(self.fleet.members) == 1  # then its restart is what the run measures
                if alone:
                    candidates = ready
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
            threading.Thread(target=self._restart, args=(victim, delay), daemon=True).start()
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
            threading.Thread(target=self._restart, args=(member, 0.0), daemon=True).start()

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
