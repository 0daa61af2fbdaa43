"""Throughput and recovery of `slackbridge run` under a storm, with 1, 2 and 4 processes.

    python bench/storm.py                       # PostgreSQL at 127.0.0.1:5432, 1, 2 and 4 processes
    python bench/storm.py --sqlite --processes 1,2 --mentions 300 --feed-seconds 60 --kills 4

Each run starts the fake Slack and X in this process and real `slackbridge run` processes on a fresh store
(half of them get Slack's requests, all of them run the pollers), feeds mentions, sends `reply:` drafts and
approval clicks, kills random processes with SIGKILL and restarts them, then prints cards per second, the
mention-to-card latency (p50/p95), the longest wait for a card after a kill, and the promises it broke.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slackbridge.db import make_engine
from slackbridge.testing.fleet import FleetError
from slackbridge.testing.storm import StormConfig, StormResult, run_storm

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
COLUMNS = [
    ("procs", "processes"),
    ("mentions", "mentions"),
    ("carded", "carded"),
    ("cards/s", "cards_per_s"),
    ("p50 s", "latency_p50_s"),
    ("p95 s", "latency_p95_s"),
    ("gap s", "longest_gap_s"),
    ("kill gap s", "worst_gap_after_kill_s"),
    ("kills", "kills"),
    ("reads/100", "reads_per_100_mentions"),
    ("drafts", "drafts"),
    ("posts", "posts"),
    ("broken", "broken_promises"),
]


@contextlib.contextmanager
def fresh_database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """An empty store for one run: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if args.sqlite:
        workdir.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{workdir / 'slackbridge.db'}"
        return
    name = f"slackbridge_storm_{uuid.uuid4().hex[:10]}"
    admin = make_engine(args.postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def one_run(args: argparse.Namespace, processes: int, root: Path) -> StormResult:
    workdir = root / f"{processes}-processes"
    web = max(1, processes // 2)
    with fresh_database(args, workdir) as url:
        config = StormConfig(
            database_url=url,
            workdir=workdir,
            web=web,
            workers=processes - web,
            mentions=args.mentions,
            feed_seconds=args.feed_seconds,
            kills=args.kills,
            replies=args.replies,
            poll_seconds=args.poll_seconds,
            settle_seconds=args.settle_seconds,
            seed=args.seed,
        )
        return run_storm(config)


def table(results: list[StormResult]) -> str:
    rows = [[label for label, _ in COLUMNS]]
    for result in results:
        figures = result.figures()
        rows.append([str(figures[key]) for _, key in COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2,4", help="comma-separated process counts (default 1,2,4)")
    parser.add_argument("--sqlite", action="store_true", help="one SQLite file instead of PostgreSQL")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="admin URL; a database per run")
    parser.add_argument("--mentions", type=int, default=200)
    parser.add_argument("--feed-seconds", type=float, default=40.0, help="mentions arrive over this long")
    parser.add_argument("--kills", type=int, default=4, help="kill -9 this many times per run")
    parser.add_argument("--replies", type=int, default=30, help="`reply:` drafts per run")
    parser.add_argument("--poll-seconds", type=float, default=1.0)
    parser.add_argument(
        "--settle-seconds", type=float, default=30.0, help="wait this long at most at the end"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    results: list[StormResult] = []
    with contextlib.ExitStack() as stack:
        root = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="storm-")))
        for processes in counts:
            print(f"storm with {processes} process(es)...", file=sys.stderr, flush=True)
            try:
                result = one_run(args, processes, root)
            except (FleetError, sa.exc.OperationalError) as exc:
                print(f"storm with {processes} process(es) could not run: {exc}", file=sys.stderr)
                return 1
            results.append(result)
            for line in result.violations():
                print(f"  broken: {line}", file=sys.stderr)
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
