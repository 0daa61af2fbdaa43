"""The `slackbridge` command: the only place that loads .env and builds Settings."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from importlib import metadata
from typing import TYPE_CHECKING

from dotenv import load_dotenv
from slack_sdk.errors import SlackApiError

from slackbridge.config import (
    ConfigError,
    Settings,
    env_file,
    load_database_url,
    load_settings,
    load_triage_settings,
)
from slackbridge.x.types import XError

if TYPE_CHECKING:
    from slackbridge.app import Services
    from slackbridge.server import Process

logger = logging.getLogger("slackbridge")


def _load_env_file() -> None:
    load_dotenv(env_file(os.environ), override=False)


def _settings() -> Settings:
    _load_env_file()
    return load_settings(os.environ)


def _secrets(settings: Settings) -> list[str | None]:
    return [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.x_api_key,
        settings.x_api_secret,
        settings.x_access_token,
        settings.x_access_token_secret,
        settings.x_bearer_token,
        settings.openai_api_key,
    ]


def cmd_run(args: argparse.Namespace) -> int:
    from slackbridge.app import build_services
    from slackbridge.db import check_schema
    from slackbridge.logs import configure
    from slackbridge.server import listen, serve_http, serve_pollers_only, serve_socket_mode
    from slackbridge.startup import verify

    settings = _settings()
    configure(args.log_level, _secrets(settings), fmt=settings.log_format)
    if settings.metrics_dir is not None:
        from slackbridge import metrics

        metrics.use_multiprocess_dir(settings.metrics_dir)
    verify(settings, args)  # the database, Slack, X and the port, each failure in one line
    # Checks run once, here (in gunicorn's master before it forks): team files, then the schema.
    services = build_services(settings)
    problem = check_schema(services.deps.engine)
    if problem:
        print(f"slackbridge cannot start: {problem}", file=sys.stderr)
        return 2
    pollers = not args.no_poller
    if args.poller_only:
        serve_pollers_only(build_process(settings, services, pollers=True))
    elif settings.socket_mode:
        assert settings.slack_app_token
        try:
            serve_socket_mode(build_process(settings, services, pollers=pollers), settings.slack_app_token)
        except SlackApiError as exc:
            code = exc.response.get("error", "unknown_error")
            print(
                f"slackbridge cannot start: Slack refused SLACK_APP_TOKEN ({code}). Create an app-level "
                "token with the connections:write scope (Basic Information > App-Level Tokens) and "
                "enable Socket Mode.",
                file=sys.stderr,
            )
            return 2
    else:
        port = settings.port if args.port is None else args.port
        try:
            sock = listen(args.host, port)
        except OSError as exc:
            print(
                f"slackbridge cannot start: cannot listen on {args.host}:{port} ({exc.strerror or exc}). "
                "Is another process using that port? Choose one with --port or PORT.",
                file=sys.stderr,
            )
            return 2
        services.deps.engine.dispose()  # each web worker opens its own connections after the fork
        return serve_http(
            lambda: build_process(settings, build_services(settings), pollers=pollers),
            sock=sock,
            workers=args.workers,
            threads=args.threads,
        )
    return 0


def build_process(settings: Settings, services: Services, *, pollers: bool) -> Process:
    """One serving process: the Bolt app, the inbox and its sweep, and (unless told not to) the pollers."""
    from slackbridge.app import build_app, build_inbox
    from slackbridge.runtime import Runtime
    from slackbridge.server import Process, add_inbox_sweeper

    runtime = Runtime(app=build_app(settings, services), services=services)
    try:
        brand = services.deps.brand()  # links and notes need the handle, in web-only processes too
        logger.info("x.brand username=%s", brand.username)
    except XError as exc:
        logger.warning("x.brand_unknown kind=%s: looked up again when first needed", exc.kind)
    runtime.add_default_loops()  # every process shows stored posts in Slack and re-renders surfaces
    if pollers:
        runtime.add_default_pollers()  # leader-only: one process at a time polls each source
    inbox = build_inbox(settings, services)
    add_inbox_sweeper(runtime, inbox)
    return Process(runtime=runtime, inbox=inbox)


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_db(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from slackbridge.db import check_schema, current_revision, make_engine, upgrade
    from slackbridge.probes import where_database
    from slackbridge.startup import open_database

    _load_env_file()
    url = load_database_url(os.environ)
    open_database(url)
    engine = make_engine(url)
    if args.db_command == "upgrade":
        before = current_revision(engine)
        tables_before = set(sa.inspect(engine).get_table_names())
        upgrade(engine)
        after = current_revision(engine)
        created = sorted(set(sa.inspect(engine).get_table_names()) - tables_before - {"alembic_version"})
        if before is None:
            tables = [t for t in created if "_fts" not in t]  # SQLite's full-text index tables are detail
            search = " and full-text search indexes" if len(tables) < len(created) else ""
            print(f"created the slackbridge schema in {where_database(url)}: {len(tables)} tables{search}")
            print(f"  {', '.join(tables)}")
        elif before != after:
            print(f"upgraded the schema in {where_database(url)} from revision {before} to {after}")
        print(f"database schema is up to date (revision {after})")
        return 0
    problem = check_schema(engine)
    print(problem or f"database schema is up to date (revision {current_revision(engine)})")
    return 1 if problem else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slackbridge", description="Handle your brand's X customer care from Slack."
    )
    parser.add_argument("--version", action="version", version=f"slackbridge {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails")
    # Also accepted after the command (`slackbridge run --debug`); SUPPRESS keeps the top-level value.
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="serve Slack and poll X in one process", parents=[debug])
    run.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (default 0.0.0.0)")  # noqa: S104
    run.add_argument(
        "--port", type=int, default=None, help="HTTP mode: port (default $PORT or 3000; 0 picks a free one)"
    )
    run.add_argument(
        "--no-poller", action="store_true", help="serve Slack only (when a worker process polls X)"
    )
    run.add_argument(
        "--poller-only", action="store_true", help="poll X and deliver to Slack, serve no HTTP (worker)"
    )
    run.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="HTTP mode: web worker processes (default $WEB_CONCURRENCY, or 1)",
    )
    run.add_argument(
        "--threads", type=_positive, default=8, help="HTTP mode: request threads per worker (default 8)"
    )
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database schema", parents=[debug])
    db.add_argument(
        "db_command", choices=["upgrade", "check"], help="upgrade: create or migrate; check: report"
    )
    db.set_defaults(func=cmd_db)

    check = sub.add_parser(
        "check", help="verify the settings against Slack, X, the database and the model", parents=[debug]
    )
    check.add_argument("--url", help="the public URL Slack sends to: checks it answers Slack's challenge")
    check.add_argument("--json", action="store_true", help="print the results as JSON, for scripts")
    check.set_defaults(func=cmd_check)

    fakes = sub.add_parser(
        "fakes", help="run local fake Slack, X and OpenAI servers to try slackbridge offline", parents=[debug]
    )
    fakes.add_argument(
        "--env-file", default=".env.fakes", help="where to write the settings that point at them"
    )
    fakes.add_argument(
        "--port", type=_positive, help="the port slackbridge run listens on (default 3000 or free)"
    )
    fakes.add_argument(
        "--socket-mode", action="store_true", help="slackbridge run talks to Slack over Socket Mode"
    )
    fakes.add_argument("--state-dir", default=".slackbridge-playground", help="database, history and charts")
    fakes.set_defaults(func=_cmd_fakes)

    triage = sub.add_parser(
        "triage",
        help="classify a post as new mentions are (rules, model, built-in) and print JSON",
        parents=[debug],
    )
    triage.add_argument("text", help="the post's text")
    triage.set_defaults(func=cmd_triage)

    from slackbridge.export import add_export_parser  # export: self-contained in its own module

    add_export_parser(sub, [debug])
    return parser


def cmd_triage(args: argparse.Namespace) -> int:
    """Needs no Slack or X settings: only the optional rules file and OpenAI key."""
    import json

    from slackbridge.app import build_ai_client
    from slackbridge.services.triage import build_triage

    _load_env_file()
    settings = load_triage_settings(os.environ)
    result = build_triage(settings.triage_rules_path, build_ai_client(settings)).classify(args.text)
    fields = ("category", "sentiment", "urgency", "reason", "stage", "channel")
    print(json.dumps({name: getattr(result, name) for name in fields}, ensure_ascii=False, indent=2))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from slackbridge.check import run_check

    settings = _settings()
    logging.basicConfig(level=logging.CRITICAL)  # the checklist is the output; library chatter is not
    return run_check(settings, url=args.url, as_json=args.json)


def _version() -> str:
    try:
        return metadata.version("slackbridge")
    except metadata.PackageNotFoundError:
        return "unknown"


def _cmd_fakes(args: argparse.Namespace) -> int:
    from slackbridge.testing.playground import run_playground

    return run_playground(
        args.env_file, state_dir=args.state_dir, port=args.port, socket_mode=args.socket_mode
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Every failure a person can meet ends here in one line on stderr; --debug adds the traceback."""
    from slackbridge.startup import StartupError

    args = build_parser().parse_args(argv)
    if args.command == "run" and args.no_poller and args.poller_only:
        print("slackbridge run: --no-poller and --poller-only exclude each other: pick one.", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except (ConfigError, StartupError) as exc:
        _debug(args)
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        _debug(args)
        print(
            f"slackbridge {args.command} failed: unexpected {type(exc).__name__}. "
            "Run it again with --debug to see where.",
            file=sys.stderr,
        )
        return 1


def _debug(args: argparse.Namespace) -> None:
    if getattr(args, "debug", False):
        traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
