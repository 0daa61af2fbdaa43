"""A fake X API v2 over real HTTP, shaped like X's documented answers, for tests and for local runs."""

from slackbridge.testing.fake_x.billing import (
    PRICE_CREATE,
    PRICE_CREATE_WITH_URL,
    PRICE_OWN_MENTION,
    PRICE_READ,
    PRICE_SUMMONED_REPLY,
)
from slackbridge.testing.fake_x.errors import (
    APP_ONLY_FORBIDDEN,
    DUPLICATE,
    OAUTH1_PERMISSIONS,
    PROBLEMS,
    REPLY_NOT_ALLOWED,
    REPLY_TO_DELETED,
    TOO_LONG,
    ApiError,
    invalid_request,
    not_found_error,
    problem,
)
from slackbridge.testing.fake_x.pipeline import RATE_LIMITS, RATE_WINDOW_SECONDS, USER_CONTEXT_ONLY
from slackbridge.testing.fake_x.records import RecordedRequest, Response, XCredentials
from slackbridge.testing.fake_x.routes import DUPLICATE_WINDOW, MENTIONS_REACH, SEARCH_WINDOW, TWEET_LIMIT
from slackbridge.testing.fake_x.search_query import Predicate
from slackbridge.testing.fake_x.server import FakeX
from slackbridge.testing.fake_x.state import FIRST_TWEET_ID, FIRST_USER_ID

__all__ = [
    "APP_ONLY_FORBIDDEN",
    "DUPLICATE",
    "DUPLICATE_WINDOW",
    "FIRST_TWEET_ID",
    "FIRST_USER_ID",
    "MENTIONS_REACH",
    "OAUTH1_PERMISSIONS",
    "PRICE_CREATE",
    "PRICE_CREATE_WITH_URL",
    "PRICE_OWN_MENTION",
    "PRICE_READ",
    "PRICE_SUMMONED_REPLY",
    "PROBLEMS",
    "RATE_LIMITS",
    "RATE_WINDOW_SECONDS",
    "REPLY_NOT_ALLOWED",
    "REPLY_TO_DELETED",
    "SEARCH_WINDOW",
    "TOO_LONG",
    "TWEET_LIMIT",
    "USER_CONTEXT_ONLY",
    "ApiError",
    "FakeX",
    "Predicate",
    "RecordedRequest",
    "Response",
    "XCredentials",
    "invalid_request",
    "not_found_error",
    "problem",
]
