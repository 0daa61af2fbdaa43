"""`slackbridge fakes`: fake Slack, X and OpenAI on this machine, and a prompt to act as customers/staff."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import TextIO

from slackbridge.testing.playground.commands import Playground
from slackbridge.testing.playground.render import as_seen, mrkdwn_to_text
from slackbridge.testing.playground.session import Session, choose_port, read_stored
from slackbridge.testing.playground.syntax import help_text, split_words

__all__ = [
    "Playground",
    "Session",
    "as_seen",
    "banner",
    "choose_port",
    "command_loop",
    "help_text",
    "line_editing",
    "mrkdwn_to_text",
    "read_stored",
    "run_playground",
    "save_history",
    "split_words",
]

HISTORY_FILE = "history"


def line_editing(state_dir: Path) -> Path | None:
    """Arrow keys and history through readline where Python has it; the history lives in the state dir."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return None
    path = state_dir / HISTORY_FILE
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    return path


def save_history(path: Path | None) -> None:
    if path is None:
        return
    import readline

    with contextlib.suppress(OSError):
        readline.write_history_file(path)


def banner(session: Session) -> str:
    env = session.env_file
    mode = "Socket Mode" if session.socket_mode else f"HTTP on {session.app_url}/slack/events"
    lines = [
        f"Fake Slack {session.slack.api_url}, fake X {session.x.url}, fake OpenAI {session.ai.base_url}",
        f"Settings written to {env} (slackbridge answers Slack over {mode}). In another terminal run:",
        f"  SLACKBRIDGE_ENV_FILE={env} slackbridge db upgrade",
        f"  SLACKBRIDGE_ENV_FILE={env} slackbridge run",
    ]
    stored = session.stored
    if stored.newest_id:
        lines.append(
            f"The database {session.database_url} already holds {stored.posts} "
            f"post{'s' if stored.posts != 1 else ''} from earlier runs: "
            "new posts on the fake X get higher ids, so slackbridge picks them up. Restart "
            "`slackbridge run` too (the fakes have new ports); cards from earlier runs are not in "
            "this fake Slack."
        )
    return "\n".join(lines)


def command_loop(playground: Playground, lines: TextIO, *, prompt: str | None) -> bool:
    """Read commands until quit (True) or end of input (False); a prompt only for a person at a terminal."""
    while True:
        try:
            line = input(prompt) if prompt is not None else lines.readline()
        except EOFError:
            return False
        except KeyboardInterrupt:
            playground.say("")
            continue
        if prompt is None and not line:
            return False
        if not playground.handle(line.strip()):
            return True


def run_playground(
    env_file: str,
    *,
    state_dir: str = ".slackbridge-playground",
    port: int | None = None,
    socket_mode: bool = False,
) -> int:
    session = Session(Path(state_dir), Path(env_file), port=port, socket_mode=socket_mode)
    with session:
        playground = Playground(session, sys.stdout)
        playground.say(banner(session) + "\n")
        playground.say(help_text())
        interactive = sys.stdin.isatty()
        history = line_editing(session.state_dir) if interactive else None
        try:
            quit_asked = command_loop(playground, sys.stdin, prompt="playground> " if interactive else None)
            if not quit_asked and not interactive:
                playground.say("End of input: serving the fakes until Ctrl-C.")
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            save_history(history)
    return 0
