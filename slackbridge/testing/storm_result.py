"""What a storm run counted, the figures it prints, and the promises it checks."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
