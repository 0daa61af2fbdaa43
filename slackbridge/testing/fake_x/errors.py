"""X's error answers: RFC 7807-style problem bodies, X's own messages, and the ApiError that carries them."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEMS = "https://api.twitter.com/2/problems/"

REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
REPLY_TO_DELETED = "You attempted to reply to a Tweet that is deleted or not visible to you."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length see "
    "https://github.com/twitter/twitter-text."
)
APP_ONLY_FORBIDDEN = (
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
)

OAUTH1_PERMISSIONS = (
    "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint."
)

USER_CONTEXT_FORBIDDEN = (
    "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 2.0 Application-Only]."
)


class ApiError(Exception):
    """An X error answer raised from deep inside a route."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def problem(
    status: int, detail: str | None = None, *, title: str | None = None, type_: str = "about:blank"
) -> dict[str, Any]:
    """X's RFC 7807-style error body."""
    phrase = HTTPStatus(status).phrase
    return {"title": title or phrase, "detail": detail or phrase, "type": type_, "status": status}


def invalid_request(message: str, parameters: dict[str, list[str]] | None = None) -> ApiError:
    error: dict[str, Any] = {"message": message}
    if parameters:
        error["parameters"] = parameters
    body = {
        "errors": [error],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return ApiError(400, body)


def not_found_error(resource: str, parameter: str, value: str) -> dict[str, Any]:
    """The entry X puts in `errors` (with a 200) for a post or user it cannot find."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }
