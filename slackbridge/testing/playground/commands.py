"""The playground's commands: act as customers on X and as staff in Slack, and print what they see."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import requests

from slackbridge.models import CaseOutcome
from slackbridge.slack.ids import DRAFT_INPUT, ActionId, BlockId
from slackbridge.testing.fake_slack import find_button
from slackbridge.testing.playground.render import mrkdwn_to_text
from slackbridge.testing.playground.screen import Json, Screen
from slackbridge.testing.playground.session import AGENT, CHANNEL, MANAGER, SIGNING_SECRET, STAFF, Session
from slackbridge.testing.playground.syntax import ALIASES, COMMANDS, help_text, split_words
from slackbridge.testing.slack_driver import SlackDriver

WAIT_SECONDS = 10.0  # how long a command waits for slackbridge to show its effect
CHART_WAIT_FACTOR = 3  # drawing a chart takes longer than any other answer
QUIET_SECONDS = 0.4  # settled: nothing left to handle or render, and no change in Slack for this long
_USERNAME = re.compile(r"^@?\w{1,15}$")


class UsageError(Exception):
    """A command used wrongly: shown as one line with its usage."""


class NotReady(Exception):
    """slackbridge is not there to answer yet: shown as one line saying what to start."""


class Playground:
    """Runs one command line at a time against the fakes and the app; never lets an error end the prompt."""

    def __init__(self, session: Session, out: TextIO, *, wait: float = WAIT_SECONDS) -> None:
        self.session = session
        self.slack, self.x = session.slack, session.x
        self.out = out
        self.wait = wait
        self.screen = Screen(session.slack, CHANNEL)
        self.driver = SlackDriver(
            session.app_url, SIGNING_SECRET, fake=session.slack, socket_mode=session.socket_mode
        )
        self.charts = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """Run one line; False once the user asks to quit."""
        words = split_words(line)
        if not words or words[0].startswith("#"):
            return True
        name = ALIASES.get(words[0], words[0])
        if name == "quit":
            return False
        try:
            actor: str | None = None
            if name == "as":
                if len(words) < 3:
                    raise UsageError("say who and which command")
                actor = self._user(words[1])
                words = words[2:]
                name = ALIASES.get(words[0], words[0])
            handler: Callable[[list[str], str | None], None] | None = getattr(self, f"_cmd_{name}", None)
            if handler is None or name not in COMMANDS:
                self.say(f"unknown command {words[0]!r}: type `help` for the list")
                return True
            handler(words[1:], actor)
        except UsageError as exc:
            self.say(f"{exc} (usage: {COMMANDS[name][0]})" if name in COMMANDS else str(exc))
        except NotReady as exc:
            self.say(str(exc))
        except requests.ConnectionError:
            self.say(
                f"slackbridge is not answering at {self.session.app_url}: start `slackbridge run` (see above)"
            )
        except Exception as exc:  # the fakes stay up whatever a command meets
            self.say(f"{name} failed: {type(exc).__name__}: {exc}")
        return True

    # ------------------------------------------------------------ pieces

    def _user(self, who: str) -> str:
        for user_id, (name, _) in STAFF.items():
            if who.lstrip("@").lower() in (name, user_id.lower()):
                return user_id
        raise UsageError(f"no staff member {who!r}: use alex or maria")

    def _number(self, args: list[str], what: str) -> int:
        if not args or not args[0].lstrip("#").isdigit():
            raise UsageError(f"give the {what} number")
        return int(args[0].lstrip("#"))

    def _card(self, args: list[str]) -> Json:
        n = self._number(args, "card")
        cards = self.screen.cards()
        if not 0 < n <= len(cards):
            raise UsageError(f"no card {n} (there are {len(cards)}): try `show`")
        return cards[n - 1]

    def _draft(self, args: list[str]) -> Json:
        n = self._number(args, "draft")
        for card in self.screen.cards():
            for reply in self.screen.thread(card):
                if self.screen.render(reply).startswith(f"Reply draft #{n} "):
                    return reply
        raise UsageError(f"no draft #{n}: try `show`")

    def _ready(self) -> None:
        if self.session.socket_mode and not self.slack.socket_connected():
            raise NotReady(
                "slackbridge is not connected over Socket Mode yet: start `slackbridge run` (see above)"
            )

    def _click(self, actor: str | None, message: Json, action: ActionId, thread_ts: str) -> str:
        self._ready()
        actor = actor or AGENT
        try:
            button = find_button(message, action)
        except LookupError:
            shown = self.screen.render(message).splitlines()
            raise UsageError(
                f"that message has no such button now; it shows: {shown[-1] if shown else ''}"
            ) from None
        result = self.driver.click(actor, action, button["value"], channel=CHANNEL, message_ts=message["ts"])
        if result.response_name:
            self.screen.response_threads[result.response_name] = (actor, thread_ts)
        return actor

    def _after(self, before: dict[str, str], what: str, until: str | None = None) -> None:
        """Print what changed on screen once slackbridge has acted (it answers after Slack's ack).

        With `until`, wait for a change that shows that text (a suggestion takes the model's time)."""
        deadline = time.monotonic() + self.wait
        changed: dict[str, str] = {}
        steady_since = time.monotonic()
        while time.monotonic() < deadline:
            now = self.screen.snapshot()
            fresh = {k: v for k, v in now.items() if before.get(k) != v}
            if fresh != changed:
                changed, steady_since = fresh, time.monotonic()
            done = until is None or any(until in v for v in fresh.values())
            quiet = time.monotonic() - steady_since >= QUIET_SECONDS
            if fresh and done and quiet and not self.session.busy():
                break
            time.sleep(0.1)
        if not changed:
            self.say(f"{what}: nothing changed in Slack yet (`show` later)")
        for text in changed.values():
            self.say(text)

    # ------------------------------------------------------------ commands

    def _cmd_help(self, args: list[str], actor: str | None) -> None:
        self.say(help_text(args[0] if args else None))

    def _cmd_mention(self, args: list[str], actor: str | None) -> None:
        if not args:
            raise UsageError("say what the customer writes")
        who, words = ("jane", args) if len(args) == 1 or not _USERNAME.match(args[0]) else (args[0], args[1:])
        tweet = self.x.tweet(self.x.mention(who.lstrip("@"), " ".join(words))) or {}
        self.say(f"@{who.lstrip('@')} posted on X: {tweet.get('text', '')}")
        self.say("slackbridge shows it as a card at its next poll: `show`")

    def _cmd_reply(self, args: list[str], actor: str | None) -> None:
        card = self._card(args)
        if len(args) < 2:
            raise UsageError("say what the reply says")
        self._ready()
        before = self.screen.snapshot()
        self.driver.thread_message(CHANNEL, card["ts"], actor or AGENT, "reply: " + " ".join(args[1:]))
        self._after(before, "reply")

    def _card_click(
        self, args: list[str], actor: str | None, action: ActionId, what: str, until: str | None = None
    ) -> None:
        card = self._card(args)
        before = self.screen.snapshot()
        self._click(actor, card, action, card["ts"])
        self._after(before, what, until)

    def _cmd_suggest(self, args: list[str], actor: str | None) -> None:
        self._card_click(args, actor, ActionId.SUGGEST, "suggest", until="Reply draft #")

    def _cmd_assign(self, args: list[str], actor: str | None) -> None:
        self._card_click(args, actor, ActionId.ASSIGN, "assign")

    def _cmd_resolve(self, args: list[str], actor: str | None) -> None:
        outcome = args[1] if len(args) > 1 else CaseOutcome.SOLVED.value
        if outcome not in {o.value for o in CaseOutcome}:
            raise UsageError(f"outcome is one of: {', '.join(o.value for o in CaseOutcome)}")
        card = self._card(args[:1])
        before = self.screen.snapshot()
        self._ready()
        self.driver.select(
            actor or AGENT, ActionId.RESOLVE_AS, outcome, channel=CHANNEL, message_ts=card["ts"]
        )
        self._after(before, "resolve")

    def _draft_click(self, args: list[str], actor: str | None, action: ActionId, what: str) -> None:
        draft = self._draft(args)
        before = self.screen.snapshot()
        self._click(actor, draft, action, str(draft.get("thread_ts") or draft["ts"]))
        self._after(before, what)

    def _cmd_approve(self, args: list[str], actor: str | None) -> None:
        self._draft_click(args, actor or MANAGER, ActionId.APPROVE, "approve")

    def _cmd_discard(self, args: list[str], actor: str | None) -> None:
        self._draft_click(args, actor, ActionId.DISCARD, "discard")

    def _cmd_edit(self, args: list[str], actor: str | None) -> None:
        draft = self._draft(args)
        if len(args) < 2:
            raise UsageError("give the new text")
        opened = len(self.slack.views_opened)
        before = self.screen.snapshot()
        actor = self._click(actor, draft, ActionId.EDIT, str(draft.get("thread_ts") or draft["ts"]))
        deadline = time.monotonic() + self.wait
        while len(self.slack.views_opened) == opened and time.monotonic() < deadline:
            time.sleep(0.05)
        views = self.slack.views_opened
        if len(views) == opened:
            self._after(before, "edit")  # refused: the reason is a private notice
            return
        result = self.driver.submit_view(
            actor, views[-1], {BlockId.DRAFT_TEXT: {DRAFT_INPUT: " ".join(args[1:])}}
        )
        if result.body.strip():
            errors = result.json().get("errors", {})
            if errors:
                self.say(
                    "the form says: "
                    + "; ".join(mrkdwn_to_text(str(e), self.screen.name) for e in errors.values())
                )
                return
        self._after(before, "edit")

    def _tweetcare(self, actor: str | None, text: str, patience: float = 1) -> str:
        self._ready()
        actor = actor or AGENT
        result = self.driver.command(actor, "/tweetcare", text, channel=CHANNEL)
        if result.body.strip():  # answered in the acknowledgement
            return self.screen.render(
                result.json() if result.body.lstrip().startswith("{") else {"text": result.body}
            )
        deadline = time.monotonic() + self.wait * patience
        while time.monotonic() < deadline:
            answers = self.slack.responses(result.response_name)
            if answers:
                return self.screen.render(answers[-1].body)
            time.sleep(0.05)
        return "(no answer yet)"

    def _cmd_tweetcare(self, args: list[str], actor: str | None) -> None:
        self.say(self._tweetcare(actor, " ".join(args)))

    def _cmd_stats(self, args: list[str], actor: str | None) -> None:
        known = {f.id for f in self.slack.files}
        self.say(self._tweetcare(actor, " ".join(["stats", *args[:1], "chart"]), CHART_WAIT_FACTOR))
        deadline = time.monotonic() + self.wait * CHART_WAIT_FACTOR
        while time.monotonic() < deadline:
            new = [f for f in self.slack.files if f.id not in known and f.completed and f.content]
            if new:
                path = self._chart_path(new[-1].filename)
                path.write_bytes(new[-1].content)
                self.say(f"chart saved to {path}")
                return
            time.sleep(0.1)
        self.say("no chart arrived")

    def _chart_path(self, filename: str) -> Path:
        self.charts += 1
        name = Path(filename or "stats.png")
        path = self.session.state_dir / name.name
        while path.exists():
            path = self.session.state_dir / f"{name.stem}-{self.charts}{name.suffix}"
            self.charts += 1
        return path.resolve()

    def _cmd_show(self, args: list[str], actor: str | None) -> None:
        self.say(self.screen.show())

    def _cmd_posted(self, args: list[str], actor: str | None) -> None:
        posts = self.x.posted()
        if not posts:
            self.say("nothing posted on X yet")
        for post in posts:
            self.say(f"{post['id']} (reply to {post['in_reply_to_tweet_id']}): {post['text']}")
