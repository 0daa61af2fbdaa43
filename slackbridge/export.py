"""`slackbridge export cases|drafts|audit`: the store as CSV for spreadsheets (UTF-8, ISO times, quoted)."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import IO, Any, TextIO

KINDS = ("cases", "drafts", "audit")
PAGE = 1000

CASE_COLUMNS = [
    "id", "status", "outcome", "source", "category", "sentiment", "urgency", "customer_id",
    "customer_username", "assignee_id", "created_at", "first_response_at", "first_due_at", "resolved_at",
    "resolution_seconds", "csat_score", "conversation_id", "root_tweet_id", "channel_id", "thread_ts",
    "text", "text_removed",
]  # fmt: skip
DRAFT_COLUMNS = [
    "id", "case_id", "status", "origin", "author_id", "approver_id", "edited_by", "version", "length",
    "created_at", "approved_at", "sent_at", "sent_tweet_id", "in_reply_to_tweet_id", "text", "text_removed",
]  # fmt: skip
AUDIT_COLUMNS = ["id", "at", "actor", "action", "case_id", "draft_id", "detail"]


class ExportError(Exception):
    """What to fix, in one line."""


def add_export_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The subcommand, kept here so the CLI module only registers it."""
    export = sub.add_parser(
        "export", help="write cases, drafts or the audit log as CSV (for spreadsheets)", parents=parents
    )
    export.add_argument("kind", choices=KINDS, help="what to export")
    export.add_argument("--since", required=True, help="first day (UTC), e.g. 2026-11-01, or an ISO time")
    export.add_argument("--until", help="last day (UTC, included) or an ISO time (excluded); default: now")
    export.add_argument("--format", default="csv", choices=["csv"], help="output format (csv)")
    export.add_argument("--output", help="write to this file instead of standard output")
    export.set_defaults(func=cmd_export)


def moment(raw: str, flag: str, *, end: bool = False) -> datetime:
    """A day (whole; for --until the day is included) or an ISO time; times without a zone are UTC."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ExportError(f"{flag} must be a day like 2026-11-01 or an ISO time, got {raw!r}.") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def cmd_export(args: argparse.Namespace) -> int:
    from dotenv import load_dotenv

    from slackbridge.config import ConfigError, env_file, load_database_url

    try:
        since = moment(args.since, "--since")
        until = moment(args.until, "--until", end=True) if args.until else None
        if until is not None and until <= since:
            raise ExportError("--until must be after --since.")
        load_dotenv(env_file(os.environ), override=False)
        url = load_database_url(os.environ)
        rows = _reader(args.kind)
        engine = _open(url)
        with _target(args.output) as out:
            count = write_csv(out, _columns(args.kind), rows(engine, since, until))
    except ExportError as exc:
        print(f"slackbridge export: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.output:
        print(f"wrote {count} {args.kind} rows to {args.output}", file=sys.stderr)
    return 0


def _open(url: str) -> Any:
    from slackbridge.db import check_schema, make_engine
    from slackbridge.probes import probe_database

    for finding in probe_database(url):
        if finding.key == "database" and not finding.ok:
            raise ExportError(finding.fix)
    engine = make_engine(url)
    problem = check_schema(engine)
    if problem:
        raise ExportError(problem)
    return engine


def _target(path: str | None) -> AbstractContextManager[TextIO]:
    if not path:
        return nullcontext(sys.stdout)
    try:
        # The byte-order mark lets spreadsheet programs read the file as UTF-8.
        return open(path, "w", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}.") from None


def _columns(kind: str) -> list[str]:
    return {"cases": CASE_COLUMNS, "drafts": DRAFT_COLUMNS, "audit": AUDIT_COLUMNS}[kind]


def write_csv(out: IO[str], columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in columns})
        count += 1
    return count


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Rows = Callable[[Any, datetime, datetime | None], Iterator[dict[str, Any]]]


def _reader(kind: str) -> Rows:
    return {"cases": _cases, "drafts": _drafts, "audit": _audit}[kind]


def _fields(row: object, columns: list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in columns if hasattr(row, name)}


def _pages(engine: Any, statement: Any, key: Any) -> Iterator[Any]:
    """Rows in pages by id, so a large export neither holds the table in memory nor one long cursor."""
    from sqlmodel import Session

    last: Any = None
    while True:
        page = statement if last is None else statement.where(key > last)
        with Session(engine) as session:
            rows = list(session.exec(page.order_by(key).limit(PAGE)))
        if not rows:
            return
        yield from rows
        last = rows[-1][0]  # every statement selects the id first


def _cases(engine: Any, since: datetime, until: datetime | None) -> Iterator[dict[str, Any]]:
    from sqlmodel import col, select

    from slackbridge.models import Case, Customer, Tweet

    statement = (
        select(  # type: ignore[call-overload]
            Case.id, Case, Customer.username, Tweet.text, Tweet.deleted_at, Tweet.text_wiped_at
        )
        .join(Customer, col(Customer.id) == col(Case.customer_id), isouter=True)
        .join(Tweet, col(Tweet.id) == col(Case.root_tweet_id), isouter=True)
        .where(col(Case.created_at) >= since)
    )
    if until is not None:
        statement = statement.where(col(Case.created_at) < until)
    for _, case, username, text, deleted_at, wiped_at in _pages(engine, statement, col(Case.id)):
        removed = deleted_at is not None or wiped_at is not None
        yield {
            **_fields(case, CASE_COLUMNS),
            "customer_username": username,
            "text": "" if removed else text,
            "text_removed": "deleted on X" if deleted_at else "retention" if wiped_at else "",
        }


def _drafts(engine: Any, since: datetime, until: datetime | None) -> Iterator[dict[str, Any]]:
    from sqlmodel import col, select

    from slackbridge.models import Draft

    statement = select(Draft.id, Draft).where(col(Draft.created_at) >= since)
    if until is not None:
        statement = statement.where(col(Draft.created_at) < until)
    for _, draft in _pages(engine, statement, col(Draft.id)):
        yield {**_fields(draft, DRAFT_COLUMNS), "text_removed": "retention" if draft.text_wiped_at else ""}


def _audit(engine: Any, since: datetime, until: datetime | None) -> Iterator[dict[str, Any]]:
    from sqlmodel import col, select

    from slackbridge.models import AuditLog

    statement = select(AuditLog.id, AuditLog).where(col(AuditLog.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditLog.at) < until)
    for _, row in _pages(engine, statement, col(AuditLog.id)):
        yield _fields(row, AUDIT_COLUMNS)
