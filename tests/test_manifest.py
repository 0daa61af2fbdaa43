"""manifest.yml is a valid Slack app manifest and declares exactly what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).parent / "data" / "slack-app-manifest.schema.json"


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_is_valid_against_slacks_published_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(_manifest(), schema)


def test_schema_catches_a_broken_manifest() -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = _manifest()
    broken["display_information"]["name"] = "x" * 100  # over Slack's 35-character limit
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema should reject an over-long app name")


def _code() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "slackbridge").rglob("*.py"))


def test_events_and_command_match_the_listeners() -> None:
    manifest = _manifest()
    code = _code()
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "message.channels" in events and "message.groups" in events
    assert '@app.event("message")' in code
    if "app_home_opened" in events:
        assert "app_home_opened" in code
    commands = [c["command"] for c in manifest["features"].get("slash_commands", [])]
    for command in commands:
        assert f'"{command}"' in code, f"{command} is declared but no listener handles it"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_scopes_are_exactly_those_the_code_calls_for() -> None:
    needed_by_method = {
        "chat_postMessage": "chat:write",
        "chat_update": "chat:write",
        "chat_postEphemeral": "chat:write",
        "users_info": "users:read",
        "usergroups_users_list": "usergroups:read",
        "files_upload_v2": "files:write",
        "conversations_open": "im:write",  # a stats chart sent privately
        "conversations_history": "channels:history",  # finding a card whose answer was lost
        "conversations_replies": "channels:history",
        # the private DM channel: checked at start-up, and its members may see DM cases (issue 8)
        "conversations_info": "groups:read",
        "conversations_members": "groups:read",
    }
    code = _code()
    used = {scope for method, scope in needed_by_method.items() if re.search(rf"\b{method}\b", code)}
    used |= {"channels:history", "groups:history"}  # to receive message.channels / message.groups
    if re.search(r"\bconversations_list\b", code):  # triage rules naming channels, public and private
        used |= {"channels:read", "groups:read"}
    if re.search(r"app\.command\(", code):
        used.add("commands")
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == used
