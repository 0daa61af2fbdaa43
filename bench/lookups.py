"""Latency of the /tweetcare lookups on a large store.

    python bench/lookups.py --database-url sqlite:////tmp/bench.db --tweets 1000000 --customers 100000
    python bench/lookups.py --database-url postgresql://postgres@127.0.0.1:5432/bench --tweets 1000000

Fills an empty database (schema by the real migrations) with customers, cases, posts and drafts in bulk, then
times the same service calls the command makes (user, tweet, search, queue): median and 95th percentile.
Pass --reuse to time an already-filled database again.
"""

# ruff: noqa: S106, SIM905  (dummy credentials for clients that are never called; word lists)

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slackbridge.config import Settings
from slackbridge.db import make_engine, upgrade
from slackbridge.models import Case, Customer, Draft, Tweet
from slackbridge.services.deps import Deps
from slackbridge.services.links import ThreadLinks
from slackbridge.services.lookups import Lookups
from slackbridge.services.search import Search
from slackbridge.slack.gateway import SlackGateway
from slackbridge.x.client import XClient

CHUNK = 20_000
FIRST_TWEET = 1_700_000_000_000_000_000
AGENTS = [f"U0AGENT{n:02d}" for n in range(20)]
CATEGORIES = ["complaint", "question", "lead", "praise", "spam", "other"]
PRODUCTS = """blender kettle toaster fridge oven microwave dishwasher vacuum iron heater fan lamp speaker
headphones charger cable router laptop phone tablet watch camera printer monitor keyboard mouse drone
scooter bike helmet
backpack jacket shoes sneakers jeans shirt mattress pillow sofa chair desk shelf stroller carseat grill mixer
juicer airfryer""".split()
_PROBLEMS = """arrived broken | never arrived | stopped working | is missing a part | was charged twice |
is too loud | keeps disconnecting | smells burnt | came in the wrong colour | has a cracked screen |
will not turn on |
was delivered to the wrong address | is late again | leaks water | overheats | has no manual"""
PROBLEMS = [p.strip() for p in _PROBLEMS.split("|")]
OPENERS = ["hi", "hello", "hey", "help!", "so", "ugh", "seriously", "quick question:", "good morning,", "yo"]
ASKS = [
    "can I get a refund?",
    "what are my options?",
    "please help",
    "is this normal?",
    "can you replace it?",
    "who do I talk to?",
    "order #{n}",
    "ticket {n} still open",
    "any update?",
    "I want my money back",
    "love the brand though",
    "thanks in advance",
    "DM me",
    "this is the third time",
    "very disappointed",
]
REPLIES = [
    "Sorry to hear that, {name}! Could you DM us your order number?",
    "Thanks {name}, a replacement {p} is on its way.",
    "We have refunded your {p}, {name}.",
    "Hi {name}, please try a reset: hold the button for 10 seconds.",
    "Thanks for the kind words about the {p}, {name}!",
]
WORDS = PRODUCTS + "refund broken arrived charged replacement order late missing disappointed".split()


def post_text(rng: random.Random, product: str) -> str:
    ask = rng.choice(ASKS).format(n=rng.randint(10_000, 99_999))
    return f"@acme {rng.choice(OPENERS)} my {product} {rng.choice(PROBLEMS)}, {ask}"


def chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(engine: sa.Engine, tweets: int, customers: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    n_cases = max(1, tweets // 4)
    case_customer = [rng.randrange(customers) for _ in range(n_cases)]
    case_created = [now - timedelta(minutes=rng.randint(1, 90 * 24 * 60)) for _ in range(n_cases)]
    case_status = [rng.choices(["resolved", "waiting", "open"], [70, 15, 15])[0] for _ in range(n_cases)]
    case_product = [rng.choice(PRODUCTS) for _ in range(n_cases)]

    def customer_rows() -> Iterator[dict[str, Any]]:
        for i in range(customers):
            yield {
                "id": str(10_000_000 + i),
                "username": f"{rng.choice(PRODUCTS)}_fan{i}",
                "name": f"Fan {i}",
                "followers_count": rng.randint(0, 50_000),
                "verified": rng.random() < 0.01,
                "first_seen_at": now - timedelta(days=rng.randint(1, 400)),
                "updated_at": now,
            }

    def tweet_rows() -> Iterator[dict[str, Any]]:
        for j in range(tweets):
            case = j if j < n_cases else rng.randrange(n_cases)
            text = post_text(rng, case_product[case] if j < n_cases else rng.choice(PRODUCTS))
            created = case_created[case] + timedelta(minutes=0 if j < n_cases else rng.randint(1, 3000))
            yield {
                "id": str(FIRST_TWEET + j),
                "author_id": str(10_000_000 + case_customer[case]),
                "conversation_id": str(FIRST_TWEET + case),
                "text": text,
                "created_at": created,
                "source": "mention",
                "case_id": case + 1,
                "slack_channel": "C0BENCH",
                "slack_ts": f"{1_700_000_000 + j}.000100",
                "stored_at": created,
                "lang": "en",
            }

    def case_rows() -> Iterator[dict[str, Any]]:
        for k in range(n_cases):
            status, created = case_status[k], case_created[k]
            answered = status != "open"
            yield {
                "id": k + 1,
                "conversation_id": str(FIRST_TWEET + k),
                "root_tweet_id": str(FIRST_TWEET + k),
                "customer_id": str(10_000_000 + case_customer[k]),
                "source": "mention",
                "status": status,
                "channel_id": "C0BENCH",
                "thread_ts": f"{1_700_000_000 + k}.000100",
                "category": rng.choice(CATEGORIES),
                "assignee_id": rng.choice([*AGENTS, None, None]),
                "created_at": created,
                "updated_at": created,
                "waiting_since": None if answered else created,
                "first_response_at": created + timedelta(minutes=rng.randint(2, 600)) if answered else None,
                "resolved_at": None,
            }

    def draft_rows() -> Iterator[dict[str, Any]]:
        d = 0
        for k in range(n_cases):
            status = case_status[k]
            if status == "open" and rng.random() > 0.1:
                continue
            d += 1
            created = case_created[k] + timedelta(minutes=rng.randint(1, 300))
            sent = status != "open"
            text = rng.choice(REPLIES).format(name=f"Fan {case_customer[k]}", p=case_product[k])
            yield {
                "id": d,
                "case_id": k + 1,
                "in_reply_to_tweet_id": str(FIRST_TWEET + k),
                "text": text,
                "length": len(text),
                "author_id": rng.choice(AGENTS),
                "origin": "human",
                "status": "sent" if sent else "pending",
                "version": 1,
                "error_ambiguous": False,
                "approver_id": AGENTS[0] if sent else None,
                "sent_tweet_id": None,
                "created_at": created,
                "updated_at": created,
                "approved_at": created + timedelta(minutes=5) if sent else None,
                "sent_at": created + timedelta(minutes=5) if sent else None,
            }

    for table, rows in (
        (Customer, customer_rows()),
        (Case, case_rows()),
        (Tweet, tweet_rows()),
        (Draft, draft_rows()),
    ):
        started, count = time.perf_counter(), 0
        for batch in chunks(rows):
            with engine.begin() as conn:
                conn.execute(sa.insert(table), batch)
            count += len(batch)
        print(
            f"  {table.__tablename__:<9} {count:>9,} rows in {time.perf_counter() - started:6.1f}s",
            flush=True,
        )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def bench_settings(url: str) -> Settings:
    return Settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_channel="C0BENCH",
        x_api_key="k",
        x_api_secret="s",
        x_access_token="t",
        x_access_token_secret="ts",
        approvers=("U0AGENT00",),
        database_url=url,
    )


def timed(name: str, runs: int, call: Callable[[int], object]) -> tuple[str, float, float]:
    call(-1)  # warm the connection pool and caches once
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return name, statistics.median(samples), samples[int(0.95 * len(samples)) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tweets", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="time an already-filled database")
    args = parser.parse_args()

    engine = make_engine(args.database_url)
    if not args.reuse:
        upgrade(engine)
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM tweet")).scalar():
                print("the database is not empty: use a fresh one, or --reuse to time it as it is")
                return 2
        print(f"filling {engine.dialect.name}: {args.tweets:,} posts, {args.customers:,} customers")
        started = time.perf_counter()
        fill(engine, args.tweets, args.customers)
        print(f"fill time: {time.perf_counter() - started:.1f}s")

    settings = bench_settings(args.database_url)
    deps = Deps(
        settings=settings,
        engine=engine,
        slack=SlackGateway(WebClient(token="xoxb-bench")),
        x=XClient(api_key="k", api_secret="s", access_token="t", access_token_secret="ts"),
    )
    links = ThreadLinks(None, workspace_url="https://bench.slack.com/")
    lookups, search = Lookups(deps, links), Search(deps, links)
    with engine.connect() as conn:
        handles = (
            conn.execute(sa.text("SELECT username FROM customer ORDER BY id LIMIT 5000")).scalars().all()
        )
        max_tweet = int(conn.execute(sa.text("SELECT count(*) FROM tweet")).scalar() or 1)
    rng = random.Random(11)
    picks = [
        (
            rng.choice(handles),
            str(FIRST_TWEET + rng.randrange(max_tweet)),
            " ".join(rng.sample(WORDS, rng.choice([1, 2]))),
        )
        for _ in range(args.runs + 1)
    ]
    results = [
        timed("user", args.runs, lambda i: lookups.customer(picks[i][0].upper())),
        timed("tweet", args.runs, lambda i: lookups.case_for_tweet(picks[i][1])),
        timed("search", args.runs, lambda i: search.search(picks[i][2])),
        timed("queue", args.runs, lambda i: lookups.queue()),
    ]
    print(f"\n{engine.dialect.name}, {args.runs} runs each")
    print(f"{'lookup':<8} {'p50 ms':>8} {'p95 ms':>8}")
    for name, p50, p95 in results:
        print(f"{name:<8} {p50:8.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
