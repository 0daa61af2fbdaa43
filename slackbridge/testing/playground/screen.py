"""What the care channel shows a person: cards, their threads and the private notices each user got."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.playground.render import as_seen

Json = dict[str, Any]


@dataclass(frozen=True)
class Notice:
    """A message only one user sees (an ephemeral message or a private response to a click)."""

    user: str
    text: str
    thread_ts: str | None


@dataclass
class Screen:
    """Reads the fake Slack as the care team sees it; remembers which private responses belong where."""

    slack: FakeSlack
    channel: str
    response_threads: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> user, thread

    def name(self, user_id: str) -> str:
        found = self.slack.user(user_id)
        return str(found["name"]) if found else user_id

    def render(self, message: Json) -> str:
        return as_seen(message, self.name)

    def cards(self) -> list[Json]:
        return self.slack.messages(self.channel)

    def thread(self, card: Json) -> list[Json]:
        return self.slack.thread(self.channel, card["ts"])

    def notices(self) -> list[Notice]:
        """Ephemeral messages in the channel; a private answer to a click goes in that click's thread."""
        threads: dict[tuple[str, str], str | None] = {}
        for response in self.slack.responses():
            where = self.response_threads.get(response.name)
            if where is not None:
                threads[(where[0], self.render(response.body))] = where[1]
        found = []
        for e in self.slack.ephemerals():
            if e.get("channel") != self.channel:
                continue
            text = self.render(e)
            found.append(Notice(e["user"], text, e.get("thread_ts") or threads.get((e["user"], text))))
        return found

    def snapshot(self) -> dict[str, str]:
        """Every visible message and notice by a stable key, to tell what an action changed."""
        shot: dict[str, str] = {}
        for n, card in enumerate(self.cards(), 1):
            shot[card["ts"]] = f"card {n}:\n{self.render(card)}"
            for reply in self.thread(card):
                shot[reply["ts"]] = f"card {n}, thread:\n{self.render(reply)}"
        for i, notice in enumerate(self.notices()):
            shot[f"notice-{i}"] = self.notice_line(notice)
        return shot

    def notice_line(self, notice: Notice) -> str:
        return f"🔒 only @{self.name(notice.user)} sees: " + notice.text.replace("\n", "\n   ")

    def show(self) -> str:
        notices = self.notices()
        out: list[str] = []
        placed: set[int] = set()
        for n, card in enumerate(self.cards(), 1):
            out.append(f"--- card {n} ---")
            out.append(self.render(card))
            thread = self.thread(card)
            keys = {card["ts"], *(m["ts"] for m in thread)}
            lines = [self.render(m) for m in thread]
            for i, notice in enumerate(notices):
                if notice.thread_ts in keys:
                    lines.append(self.notice_line(notice))
                    placed.add(i)
            if lines:
                out.append("   └─ thread")
                out += ["      " + line.replace("\n", "\n      ") for line in lines]
        rest = [self.notice_line(n) for i, n in enumerate(notices) if i not in placed]
        if rest:
            out.append("--- private notices ---")
            out += rest
        if not out:
            out.append("(the channel is empty: mention the brand, then wait for a poll)")
        return "\n".join(out)
