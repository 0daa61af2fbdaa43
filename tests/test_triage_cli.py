"""`slackbridge triage` and the rules file at start-up, as operators run them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from slackbridge.testing.fake_openai import FakeOpenAI

PY = sys.executable
RULES = (
    "rules:\n  - name: vip\n    keywords: [enterprise contract]\n    category: lead\n    channel: C0SALES\n"
)
BROKEN = (
    "rules:\n  - name: ok\n    keywords: [hello]\n    category: other\n"
    "  - name: typo\n    keywords: [x]\n    category: complain\n"
)


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "X_", "OPENAI", "DATABASE_URL"))}
    env["SLACKBRIDGE_ENV_FILE"] = os.devnull
    env.update(extra)
    return subprocess.run(  # noqa: S603
        [PY, "-m", "slackbridge", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_triage_prints_json_with_no_settings_at_all(tmp_path: Path) -> None:
    result = _run(["triage", "@acme my parcel never arrived, worst service ever"], tmp_path)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["category"] == "complaint" and verdict["stage"] == "builtin"
    assert set(verdict) >= {"category", "sentiment", "urgency", "reason", "stage"}


def test_triage_uses_the_rules_file_first(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    result = _run(["triage", "About our enterprise contract"], tmp_path, SLACKBRIDGE_TRIAGE_RULES=str(rules))
    verdict = json.loads(result.stdout)
    assert (verdict["category"], verdict["stage"], verdict["channel"]) == ("lead", "rules", "C0SALES")
    assert "vip" in verdict["reason"]


def test_triage_asks_the_model_when_a_key_is_set(tmp_path: Path) -> None:
    with FakeOpenAI(api_key="sk-cli") as fake:
        fake.reply_with(
            json.dumps({"category": "praise", "sentiment": "positive", "urgency": "normal", "reason": "kind"})
        )
        result = _run(
            ["triage", "you folks are great"],
            tmp_path,
            OPENAI_API_KEY="sk-cli",
            OPENAI_BASE_URL=fake.base_url,
        )
        assert len(fake.chat_requests) == 1
    verdict = json.loads(result.stdout)
    assert (verdict["category"], verdict["stage"], verdict["reason"]) == ("praise", "model", "kind")
    assert "sk-cli" not in result.stdout + result.stderr


def test_a_broken_rules_file_stops_start_up_naming_the_file_and_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(BROKEN)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACKBRIDGE_CHANNEL": "C0CARE",
        "SLACKBRIDGE_APPROVERS": "UBOSS",
        "X_API_KEY": "k",
        "X_API_SECRET": "s",
        "X_ACCESS_TOKEN": "t",
        "X_ACCESS_TOKEN_SECRET": "ts",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "SLACKBRIDGE_TRIAGE_RULES": str(rules),
    }
    for args in (["run"], ["triage", "hello"]):
        result = _run(args, tmp_path, **env)
        assert result.returncode == 2
        assert (
            str(rules) in result.stderr and "rule 2 ('typo')" in result.stderr and "complain" in result.stderr
        )
        assert "SLACKBRIDGE_TRIAGE_RULES" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_canned_replies_file_stops_start_up_naming_the_entry(tmp_path: Path) -> None:
    canned = tmp_path / "canned.yml"
    canned.write_text("- title: ok\n  text: Thanks!\n- title: empty\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACKBRIDGE_CHANNEL": "C0CARE",
        "SLACKBRIDGE_APPROVERS": "UBOSS",
        "X_API_KEY": "k",
        "X_API_SECRET": "s",
        "X_ACCESS_TOKEN": "t",
        "X_ACCESS_TOKEN_SECRET": "ts",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "SLACKBRIDGE_CANNED_REPLIES": str(canned),
    }
    result = _run(["run"], tmp_path, **env)
    assert result.returncode == 2
    assert f"{canned}: reply 2" in result.stderr and "Traceback" not in result.stderr
