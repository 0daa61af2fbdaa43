"""`slackbridge fakes`: the playground's command loop against the real service, as a person would use it."""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from dotenv import dotenv_values
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackbridge.app import build_app, build_inbox, build_services
from slackbridge.config import load_settings
from slackbridge.db import make_engine, upgrade
from slackbridge.server import Process, Runtime, make_wsgi
from slackbridge.testing.fleet import free_port
from slackbridge.testing.playground import (
    Playground,
    Session,
    banner,
    choose_port,
    command_loop,
    line_editing,
    save_history,
)
from slackbridge.testing.wsgi_server import TestServer
from tests.e2e.conftest import wait_for


class Play:
    """A playground session whose output is kept, for asserting what the person at the prompt read."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.out = io.StringIO()
        self.playground = Playground(session, self.out, wait=15.0)  # an upper bound: a busy machine is slow
        self.runtime: Runtime | None = None

    def run(self, line: str) -> str:
        start = self.out.tell()
        assert self.playground.handle(line) is True
        return self.out.getvalue()[start:]

    def screen_cards(self) -> int:
        return len(self.session.slack.messages(self.playground.screen.channel))

    def poll(self) -> None:
        assert self.runtime is not None
        self.runtime.mentions_round()


@contextmanager
def playground(state: Path, *, port: int | None = None) -> Iterator[Play]:
    with Session(state, state / ".env.fakes", port=port or free_port()) as session:
        yield Play(session)


@contextmanager
def service(play: Play) -> Iterator[None]:
    """`slackbridge run` in-process, configured by nothing but the env file the playground wrote."""
    env = {k: v or "" for k, v in dotenv_values(play.session.env_file).items()}
    settings = load_settings({**env, "SLACKBRIDGE_POST_INTERVAL": "0"})
    engine = make_engine(settings.database_url)
    upgrade(engine)
    services = build_services(settings, engine=engine)
    runtime = Runtime(app=build_app(settings, services), services=services)
    inbox = build_inbox(settings, services)
    server = TestServer(make_wsgi(runtime, inbox), port=play.session.port).start()
    play.runtime = runtime
    try:
        yield
    finally:
        server.stop()
        Process(runtime=runtime, inbox=inbox).inbox.close()


def _card(play: Play, text: str) -> None:
    play.run(f"mention jane {text}")
    play.poll()
    wait_for(lambda: "Jane · @jane" in play.run("show"), what="the card")


def test_quotes_apostrophes_bad_commands_and_help_never_stop_the_fakes(tmp_path: Path) -> None:
    with playground(tmp_path) as play:
        assert "@jane posted on X: @acme I can't log in" in play.run('mention jane "I can\'t log in"')
        assert "@bob posted on X: @acme it's down again" in play.run("mention bob it's down again")
        assert "@jane posted on X: @acme where's my parcel?" in play.run('mention "where\'s my parcel?"')
        for line, answer in [
            ("frobnicate 'oops", "unknown command 'frobnicate': type `help` for the list"),
            ("reply", "give the card number (usage: reply <card#> <text>)"),
            ("reply 7 hello", "no card 7 (there are 0): try `show` (usage: reply <card#> <text>)"),
            ("approve #3", "no draft #3: try `show` (usage: approve <draft#>)"),
            ("as olga show", "no staff member 'olga': use alex or maria (usage: as <alex|maria> <command…>)"),
            ("help edit", 'edit <draft#> <text>\n  click "Edit" on the draft and save this text instead'),
            ("help nope", "no command 'nope': type `help` for the list"),
        ]:
            assert play.run(line) == answer + "\n", line
        listing = play.run("help")
        for usage in ("suggest <card#>", "edit <draft#> <text>", "assign <card#>", "tweetcare <subcommand…>"):
            assert usage in listing
        # No app is listening yet: a request to it is one line naming what to start, and the fakes stay up.
        assert play.run("posted") == "nothing posted on X yet\n"
        assert play.run("tweetcare queue") == (
            f"slackbridge is not answering at {play.session.app_url}: start `slackbridge run` (see above)\n"
        )
        assert requests.get(play.session.x.url + "/2/users/me", timeout=5).status_code == 401


def test_show_reads_like_slack_with_private_notices_and_approval(tmp_path: Path) -> None:
    with playground(tmp_path) as play, service(play):
        _card(play, '"my order never arrived & <b>it</b>"')
        shown = play.run("show")
        assert shown.startswith(
            "--- card 1 ---\nJane · @jane · 0 followers\n│ @acme my order never arrived & <b>it</b>\n"
        )
        assert "Today at " in shown and " · View on X\n" in shown
        assert (
            "[Write a reply] [Suggest reply] [Assign to me] [Resolve as… ▾] [Category: Complaint ▾]" in shown
        )
        assert "<@" not in shown and "<http" not in shown and "<!date" not in shown and "&amp;" not in shown

        too_long = play.run("reply 1 " + "x" * 300)
        assert "🔒 only @alex sees: ⚠️ Draft not saved. The reply is 300/280 characters" in too_long
        drafted = play.run('reply 1 "Sorry Jane! We\'ll check."')
        assert "Reply draft #1 by @alex · 24/280\n│ Sorry Jane! We'll check.\n" in drafted
        assert "[Approve & send] [Request changes] [Edit] [Discard]" in drafted
        refused = play.run("as alex approve 1")
        assert "🔒 only @alex sees: Only approvers can send replies to X." in refused
        assert play.session.x.posted() == []
        sent = play.run("approve 1")
        assert "✅ Sent on X · view the reply · written by @alex · approved by @maria" in sent
        assert [p["text"] for p in play.session.x.posted()] == ["Sorry Jane! We'll check."]
        again = play.run("approve 1")
        assert again.startswith("that message has no such button now; it shows: ✅ Sent on X")
        final = play.run("show")
        assert "      🔒 only @alex sees: ⚠️ Draft not saved." in final  # kept in the card's thread
        assert "      🔒 only @alex sees: Only approvers can send replies to X." in final
        assert play.run("posted").endswith(": Sorry Jane! We'll check.\n")


def test_suggest_edit_assign_tweetcare_and_stats(tmp_path: Path) -> None:
    with playground(tmp_path) as play, service(play):
        _card(play, "my parcel is late")
        suggested = play.run("suggest 1")
        assert "Reply draft #1 🤖 AI-suggested" in suggested
        edited = play.run('edit 1 "Sorry Jane, it\'s on its way!"')
        assert "│ Sorry Jane, it's on its way!" in edited and "edited by @alex" in edited
        assigned = play.run("assign 1")
        assert "assigned to @alex" in assigned and "[Assign to me]" not in assigned
        queue = play.run("/tweetcare queue")
        assert queue.startswith("1 case waiting on us, oldest first\n#1 @jane")
        assert "`help`" not in play.run("tweetcare help") and "help: this list" in play.run("tweetcare help")
        stats = play.run("stats 30d")
        saved = [line for line in stats.splitlines() if line.startswith("chart saved to ")]
        assert saved, stats
        chart = Path(saved[0].removeprefix("chart saved to "))
        assert chart.parent == (tmp_path / "state").resolve() or chart.parent == tmp_path.resolve()
        assert chart.read_bytes().startswith(b"\x89PNG")
        assert "outcome is one of" in play.run("resolve 1 bribed")
        resolved = play.run("resolve 1 moved_to_dm")
        assert "Resolved (Moved to DM)" in resolved and "[Reopen]" in resolved, resolved


def test_restarted_fakes_continue_after_the_posts_already_stored(tmp_path: Path) -> None:
    """A restart used to hand out ids the service had stored: the next mentions were silently dropped."""
    with playground(tmp_path) as play, service(play):
        _card(play, "first try")
    with playground(tmp_path) as play:
        assert "already holds 1 post from earlier runs" in banner(play.session)
        with service(play):
            _card(play, "second try after the restart")
            assert "second try after the restart" in play.run("show")
            # jane is still the same X user: her new case opens beside the old one, not as a stranger.
            assert "Case #2" in play.run("show")


def test_port_is_free_chosen_or_given_and_written_for_slackbridge_run(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert choose_port(taken) == taken  # asked for: used (`slackbridge run` reports a port in use)
        with socket.socket() as blocker:
            with contextlib.suppress(OSError):  # someone else may have 3000: the default avoids it either way
                blocker.bind(("127.0.0.1", 3000))
            assert choose_port(None) != 3000
    with Session(tmp_path, tmp_path / "fakes.env", port=4321, socket_mode=True) as session:
        env = dotenv_values(tmp_path / "fakes.env")
        assert env["PORT"] == "4321" and env["SLACK_APP_TOKEN"] == session.slack.app_token
        assert env["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'slackbridge.db').resolve()}"
        assert load_settings({k: v or "" for k, v in env.items()}).socket_mode


def test_piped_commands_run_until_quit(tmp_path: Path) -> None:
    with playground(tmp_path) as play:
        done = command_loop(
            play.playground, io.StringIO("help posted\nmention jane it's me\nquit\nshow\n"), prompt=None
        )
        assert done is True
        assert play.out.getvalue().splitlines()[:3] == [
            "posted",
            "  what slackbridge posted on X",
            "@jane posted on X: @acme it's me",
        ]


def test_the_cli_takes_piped_commands_a_port_and_socket_mode(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "X_", "OPENAI", "DATABASE"))}
    commands = (
        "help mention\nmention jane \"I can't log in\"\nfrobnicate 'x\nreply 1 hi\ntweetcare queue\nquit\n"
    )
    options = ["--env-file", "fakes.env", "--state-dir", "state"]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "slackbridge", "fakes", "--socket-mode", "--port", str(port), *options],
        input=commands,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Settings written to fakes.env (slackbridge answers Slack over Socket Mode)" in done.stdout
    assert done.stdout.split("quit                        stop the fakes (also Ctrl-D)\n", 1)[1] == (
        "mention [who] <text>\n  a customer (default jane) mentions @acme on X\n"
        "@jane posted on X: @acme I can't log in\n"
        "slackbridge shows it as a card at its next poll: `show`\n"
        "unknown command 'frobnicate': type `help` for the list\n"
        "no card 1 (there are 0): try `show` (usage: reply <card#> <text>)\n"
        "slackbridge is not connected over Socket Mode yet: start `slackbridge run` (see above)\n"
    )
    written = dotenv_values(tmp_path / "fakes.env")
    assert written["PORT"] == str(port) and str(written["SLACK_APP_TOKEN"]).startswith("xapp-")
    assert written["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'state' / 'slackbridge.db').resolve()}"


def test_socket_mode_delivers_commands_through_the_connected_app(tmp_path: Path) -> None:
    with Session(tmp_path, tmp_path / "fakes.env", port=free_port(), socket_mode=True) as session:
        play = Play(session)
        web = WebClient(token=session.slack.app_token, base_url=session.slack.api_url)
        app = SocketModeClient(
            app_token=session.slack.app_token, web_client=web, auto_reconnect_enabled=False
        )
        seen: list[str] = []

        def answer(client: BaseSocketModeClient, req: SocketModeRequest) -> None:
            seen.append(str(req.payload.get("text")))
            payload = {"text": "*Queue* is <https://x.com/acme|empty>", "response_type": "ephemeral"}
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))

        app.socket_mode_request_listeners.append(answer)
        app.connect()
        try:
            assert session.slack.wait_for_socket(10)
            assert play.run("tweetcare queue") == "Queue is empty\n"
            assert seen == ["queue"]
        finally:
            app.close()


def _readme_blocks() -> list[str]:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    return re.findall(r"^```[a-z]*\n(.*?)^```", readme, flags=re.DOTALL | re.MULTILINE)


def _same_clock(text: str) -> str:
    """Times differ from run to run; everything else in the README's samples is printed as it stands."""
    return re.sub(r"(Today|[A-Z][a-z]{2} \d{1,2}) at \d{2}:\d{2}", "<when>", text)


def test_the_readme_transcripts_are_what_the_playground_prints(tmp_path: Path) -> None:
    transcript = next(b for b in _readme_blocks() if b.startswith("playground> "))
    channel = next(b for b in _readme_blocks() if b.startswith("--- card 1 ---"))
    steps = re.split(r"^playground> ", transcript, flags=re.MULTILINE)[1:]
    with playground(tmp_path) as play, service(play):
        for step in steps:
            command, _, expected = step.partition("\n")
            if command == "show" and not play.screen_cards():
                wait_for(lambda: play.screen_cards(), what="the card")
            assert _same_clock(play.run(command)) == _same_clock(expected), command
            if command.startswith("mention"):
                play.poll()
        assert _same_clock(play.run("show")) == _same_clock(channel)


def test_history_is_kept_in_the_state_dir_across_runs(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    readline.clear_history()
    history = line_editing(tmp_path)
    assert history == tmp_path / "history"
    readline.add_history('mention jane "I can\'t log in"')
    save_history(history)
    readline.clear_history()
    line_editing(tmp_path)
    assert (
        readline.get_history_item(readline.get_current_history_length()) == 'mention jane "I can\'t log in"'
    )
