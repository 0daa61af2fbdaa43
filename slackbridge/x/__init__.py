"""X (Twitter) edge of slackbridge: a thin client and the dataclasses it returns."""

from slackbridge.x.client import XClient
from slackbridge.x.types import PostedTweet, TweetPage, XError, XErrorKind, XTweet, XUser

__all__ = ["PostedTweet", "TweetPage", "XClient", "XError", "XErrorKind", "XTweet", "XUser"]
