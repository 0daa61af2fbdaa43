"""Per-process metrics (Slack acks, Slack and X calls) and the Prometheus text answer to GET /metrics.

Counters that live in the store (mentions, cards, drafts, spend, backlog) are read from it at scrape
time (metrics_store.py), so every process answers the same. The figures below are per process: each
process keeps its own, and with PROMETHEUS_MULTIPROC_DIR set (a directory shared by gunicorn's workers)
every worker writes them there and a scrape of any worker sums them all."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_ID = re.compile(r"(?<=.)/\d+(?=/|$)")  # a numeric path segment, except X's version (/2/...)

_multiprocess_dir: Path | None = None
disable_created_metrics()  # the *_created series double every counter for nothing a dashboard uses


class ProcessMetrics:
    """This process's counters; created on first use so the multi-process choice is made before."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.ack_seconds = Histogram(
            "slackbridge_slack_ack_seconds",
            "Time to answer a request from Slack (Slack gives up after 3 s).",
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.slack_errors = Counter(
            "slackbridge_slack_errors",
            "Slack calls that failed, by Slack's error code (unavailable, unreachable, ratelimited...).",
            ["kind"],
            registry=registry,
        )
        self.slack_rate_limited = Counter(
            "slackbridge_slack_rate_limited",
            "429 answers from Slack (each one waited out).",
            registry=registry,
        )
        self.x_requests = Counter(
            "slackbridge_x_requests",
            "Requests sent to X, by endpoint and method (GET reads, POST/DELETE writes).",
            ["endpoint", "method"],
            registry=registry,
        )
        self.x_errors = Counter(
            "slackbridge_x_errors", "X calls that failed, by kind of failure.", ["kind"], registry=registry
        )


_lock = threading.Lock()
_process: ProcessMetrics | None = None


def process() -> ProcessMetrics:
    global _process
    with _lock:
        if _process is None:
            _process = ProcessMetrics(CollectorRegistry())
        return _process


def use_multiprocess_dir(path: Path) -> None:
    """Share per-process figures through files in `path` (before any metric exists in this process)."""
    global _multiprocess_dir
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)  # prometheus_client reads it when writing values
    values.ValueClass = values.MultiProcessValue()
    _multiprocess_dir = path


def process_exited(pid: int) -> None:
    """A gunicorn worker ended: its live gauges no longer count (its counters still do)."""
    if _multiprocess_dir is not None:
        mark_process_dead(pid, str(_multiprocess_dir))


def x_endpoint(path: str) -> str:
    """/2/users/123/mentions -> /2/users/:id/mentions: one series per endpoint, not per id."""
    return _ID.sub("/:id", path)


class _Registered(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def render(*collectors: Collector) -> bytes:
    """The Prometheus text for this process's (or all workers') figures plus `collectors`."""
    registry = CollectorRegistry()
    if _multiprocess_dir is not None:
        MultiProcessCollector(registry, path=str(_multiprocess_dir))
    else:
        registry.register(_Registered(process().registry))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
