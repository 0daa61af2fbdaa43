"""A fake Slack Web API over real HTTP, so tests exercise the real slack_sdk/Bolt clients end to end.

Point ``WebClient(base_url=fake.api_url)`` at it. Responses follow the shapes in Slack's method docs
(HTTP 200 with ``ok: false`` for API errors, 429 with ``Retry-After`` when rate limited).
"""

from slackbridge.testing.fake_slack.blockkit import (
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_VIEW_BLOCKS,
    validate_blocks,
)
from slackbridge.testing.fake_slack.fake import FakeSlack
from slackbridge.testing.fake_slack.methods import PERMALINK_HOST
from slackbridge.testing.fake_slack.records import Call, Json, Response, SlackError, UploadedFile
from slackbridge.testing.fake_slack.render import find_button, message_text
from slackbridge.testing.fake_slack.state import TRIGGER_TTL_SECONDS

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "MAX_VIEW_BLOCKS",
    "PERMALINK_HOST",
    "TRIGGER_TTL_SECONDS",
    "Call",
    "FakeSlack",
    "Json",
    "Response",
    "SlackError",
    "UploadedFile",
    "find_button",
    "message_text",
    "validate_blocks",
]
