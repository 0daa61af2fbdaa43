"""The README's commands and settings stay true to the code and to CI."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _config_variables() -> set[str]:
    source = (ROOT / "slackbridge" / "config.py").read_text()
    return set(
        re.findall(r'r\.(?:get|required|number|path|url|csv|flag|duration|whole)\(\s*"([A-Z_]+)"', source)
    )


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_has_an_install_and_run_command() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    assert any("pip install ." in c and "slackbridge run" in c for c in commands)


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    variables = _config_variables()
    assert {"SLACK_BOT_TOKEN", "X_API_URL", "DATABASE_URL"} <= variables
    example = (ROOT / ".env.example").read_text()
    for name in variables:
        assert name in README, f"{name} is read by config.py but not in the README"
        assert name in example, f"{name} is read by config.py but not in .env.example"
