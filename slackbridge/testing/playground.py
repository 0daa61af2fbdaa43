"""`slackbridge fakes`: fake Slack, X and OpenAI on this machine, and a prompt to act as customers/staff."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from slackbridge.testing.fake_openai import FakeOpenAI
from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.slack_driver import SlackDriver

CHANNEL = "C0XCARE"
AGENT, MANAGER = "UAGENT", "UMANAGER"
SIGNING_SECRET = "playground-signing-secret"
PORT = 3000

HELP = """commands:
  mention <username> <text>     a customer mentions the brand on X
  reply <card#> <text>          the agent writes `reply: <text>` in that card's thread
  approve <draft#>              the manager clicks "Approve & send" on that draft
  show                          what the Slack channel shows now (cards and threads)
  posted                        what slackbridge posted on X
  quit"""


def write_env(path: Path, slack: FakeSlack, x: FakeX, ai: FakeOpenAI) -> None:
    lines = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACKBRIDGE_CHANNEL": CHANNEL,
        "SLACKBRIDGE_APPROVERS": MANAGER,
        "X_API_KEY": x.api_key,
        "X_API_SECRET": x.api_secret,
        "X_ACCESS_TOKEN": x.access_token,
        "X_ACCESS_TOKEN_SECRET": x.access_token_secret,
        "X_BEARER_TOKEN": x.bearer_token or "",
        "X_API_URL": x.url,
        "OPENAI_API_KEY": ai.api_key,
        "OPENAI_BASE_URL": ai.base_url,
        "OPENAI_MODEL": ai.model,
        "SLACKBRIDGE_POLL_SECONDS": "3",
        "DATABASE_URL": "sqlite:///slackbridge-playground.db",
        "PORT": str(PORT),
    }
    path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))


def show(slack: FakeSlack) -> None:
    for n, card in enumerate(slack.messages(CHANNEL), 1):
        print(f"--- card {n} ---\n{message_text(card)}")
        for reply in slack.thread(CHANNEL, card["ts"]):
            print("    | " + message_text(reply).replace("\n", "\n    | "))


def _find_draft(slack: FakeSlack, number: str) -> dict | None:
    for card in slack.messages(CHANNEL):
        for reply in slack.thread(CHANNEL, card["ts"]):
            if f"Reply draft #{number}*" in message_text(reply):
                return reply
    return None


def handle(line: str, slack: FakeSlack, x: FakeX, driver: SlackDriver) -> bool:
    parts = shlex.split(line) if line.strip() else []
    if not parts:
        return True
    command, args = parts[0], parts[1:]
    if command == "quit":
        return False
    if command == "mention" and len(args) >= 2:
        print(f"posted on X as @{args[0]}: {x.tweet(x.mention(args[0], ' '.join(args[1:])))['text']}")  # type: ignore[index]
    elif command == "reply" and len(args) >= 2 and args[0].isdigit():
        cards = slack.messages(CHANNEL)
        if not 0 < int(args[0]) <= len(cards):
            print("no such card: try `show`")
        else:
            driver.thread_message(
                CHANNEL, cards[int(args[0]) - 1]["ts"], AGENT, "reply: " + " ".join(args[1:])
            )
    elif command == "approve" and len(args) == 1:
        draft = _find_draft(slack, args[0])
        if draft is None:
            print("no such draft: try `show`")
        else:
            value = find_button(draft, "draft_approve")["value"]
            driver.click(MANAGER, "draft_approve", value, channel=CHANNEL, message_ts=draft["ts"])
    elif command == "show":
        show(slack)
    elif command == "posted":
        for post in x.posted():
            print(f"{post['id']} (reply to {post['in_reply_to_tweet_id']}): {post['text']}")
    else:
        print(HELP)
    return True


def run_playground(env_file: str) -> int:
    with FakeSlack() as slack, FakeX(brand_username="acme") as x, FakeOpenAI() as ai:
        slack.add_channel(CHANNEL, "x-care")
        slack.add_user(AGENT, "alex", real_name="Alex Agent")
        slack.add_user(MANAGER, "maria", real_name="Maria Manager")
        path = Path(env_file)
        write_env(path, slack, x, ai)
        driver = SlackDriver(f"http://127.0.0.1:{PORT}", SIGNING_SECRET, fake=slack)
        print(f"Fake Slack {slack.api_url}, fake X {x.url}, fake OpenAI {ai.base_url}")
        print(
            f"Settings written to {path}. In another terminal run:\n"
            f"  SLACKBRIDGE_ENV_FILE={path} slackbridge db upgrade\n"
            f"  SLACKBRIDGE_ENV_FILE={path} slackbridge run\n"
        )
        if not sys.stdin.isatty():
            print("No terminal attached: serving the fakes until Ctrl-C.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        print(HELP)
        try:
            while handle(input("playground> "), slack, x, driver):
                pass
        except (EOFError, KeyboardInterrupt):
            pass
    return 0
