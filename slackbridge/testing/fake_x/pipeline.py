"""The request pipeline of the fake X: auth (OAuth 1.0a signatures, bearer), rate limits, injected faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

from slackbridge.testing.fake_x.dms import DM_ACCESS_LEVEL, XDms
from slackbridge.testing.fake_x.errors import (
    APP_ONLY_FORBIDDEN,
    OAUTH1_PERMISSIONS,
    PROBLEMS,
    USER_CONTEXT_FORBIDDEN,
    ApiError,
    problem,
)
from slackbridge.testing.fake_x.records import FileResponse, RecordedRequest, Response, _Injected

if TYPE_CHECKING:
    from slackbridge.testing.fake_x.server import _Handler

RATE_WINDOW_SECONDS = 15 * 60

# (user-context limit, app-only limit) per 15 minutes; None: that kind of auth is refused anyway.
RATE_LIMITS: dict[str, tuple[int, int | None]] = {
    "me": (75, None),
    "mentions": (300, 450),
    "user_tweets": (900, 1500),
    "tweet": (900, 450),
    "tweets": (900, 450),
    "search": (300, 450),
    "user_by_username": (900, 300),
    "create": (100, None),
    "delete": (50, None),
    "compliance_create": (150, 150),
    "compliance_job": (150, 150),
    # Direct messages (issue 8): 15 requests per 15 minutes per user, user context only
    "dm_events": (15, None),
    "dm_send": (15, None),
    "dm_conversation_events": (15, None),
}
DM_ROUTES = {"dm_events", "dm_send", "dm_conversation_events"}
USER_CONTEXT_ONLY = {"me", "mentions", "create", "delete", *DM_ROUTES}
WRITES = {"create", "delete"}
APP_ONLY = {"compliance_create", "compliance_job"}


class XPipeline(XDms):
    """Takes one HTTP request through auth, rate limiting and fault injection to its route."""

    # -- internals: request pipeline -----------------------------------------------------------------------

    def _auth_problem(
        self, kind: str | None, route: str, header: str, method: str, host: str, path: str, raw_query: str
    ) -> ApiError | None:
        if kind is None:
            return ApiError(401, problem(401))
        if kind == "bearer":
            if self.bearer_token is not None and header[len("Bearer ") :] != self.bearer_token:
                return ApiError(401, problem(401))
            if route in USER_CONTEXT_ONLY:
                return ApiError(
                    403,
                    problem(
                        403,
                        APP_ONLY_FORBIDDEN,
                        title="Unsupported Authentication",
                        type_=PROBLEMS + "unsupported-authentication",
                    ),
                )
            return None
        if route in APP_ONLY:
            return ApiError(
                403,
                problem(
                    403,
                    USER_CONTEXT_FORBIDDEN,
                    title="Unsupported Authentication",
                    type_=PROBLEMS + "unsupported-authentication",
                ),
            )
        try:
            params = dict(
                oauth_signature.collect_parameters(
                    uri_query=raw_query, headers={"Authorization": header}, exclude_oauth_signature=False
                )
            )
        except ValueError:
            return ApiError(401, problem(401))
        if params.get("oauth_consumer_key") != self.api_key or params.get("oauth_token") != self.access_token:
            return ApiError(401, problem(401))
        if self.verify_signatures and not self._signature_ok(header, method, host, path, raw_query, params):
            return ApiError(401, problem(401))
        if route in DM_ROUTES and self.access_level != DM_ACCESS_LEVEL:
            return ApiError(
                403,
                problem(403, OAUTH1_PERMISSIONS, title="Forbidden", type_=PROBLEMS + "oauth1-permissions"),
            )
        if route in WRITES and self.access_level == "read":
            return ApiError(
                403,
                problem(403, OAUTH1_PERMISSIONS, title="Forbidden", type_=PROBLEMS + "oauth1-permissions"),
            )
        return None

    def _signature_ok(
        self, header: str, method: str, host: str, path: str, raw_query: str, params: dict[str, str]
    ) -> bool:
        """HMAC-SHA1 over the URL this server was reached at: the client must sign the real destination."""
        collected = oauth_signature.collect_parameters(uri_query=raw_query, headers={"Authorization": header})
        normalized = oauth_signature.normalize_parameters(collected)
        uri = oauth_signature.base_string_uri(f"http://{host}{path}")
        base = oauth_signature.signature_base_string(method, uri, normalized)
        key = f"{oauth_utils.escape(self.api_secret)}&{oauth_utils.escape(self.access_token_secret)}"
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
        return hmac.compare_digest(expected, params.get("oauth_signature", ""))

    def _rate_limit(self, route: str, kind: str) -> tuple[dict[str, str], ApiError | None]:
        user_limit, app_limit = RATE_LIMITS[route]
        limit = user_limit if kind == "oauth1" else (app_limit or user_limit)
        window = int(self.clock().timestamp()) // RATE_WINDOW_SECONDS
        key = (route, kind, window)
        used = self._rate_used.get(key, 0)
        reset = str((window + 1) * RATE_WINDOW_SECONDS)
        if used >= limit:
            headers = {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": reset,
            }
            return headers, ApiError(429, problem(429), headers)
        self._rate_used[key] = used + 1
        remaining = str(limit - used - 1)
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": remaining,
            "x-rate-limit-reset": reset,
        }, None

    def _injected_error(self, failure: _Injected) -> ApiError:
        headers = failure.headers
        if headers is None:
            headers = {}
            if failure.status == 429:  # X's rate-limit headers, reset a minute from now
                reset = int(self.clock().timestamp()) + 60
                headers = {
                    "x-rate-limit-limit": "300",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset),
                }
        return ApiError(failure.status, failure.body or problem(failure.status), dict(headers))

    def _take(self, queue: list[_Injected], method: str, path: str) -> _Injected | None:
        for item in queue:
            if item.matches(method, path):
                item.count -= 1
                if item.count <= 0:
                    queue.remove(item)
                return item
        return None

    def handle(self, request: _Handler) -> Response | FileResponse | None:
        """Answer one HTTP request; None means drop the connection without answering."""
        split = urlsplit(request.path)
        path, raw_query = split.path, split.query
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        header = request.headers.get("Authorization", "")
        kind = "oauth1" if header.startswith("OAuth ") else "bearer" if header.startswith("Bearer ") else None
        length = int(request.headers.get("Content-Length") or 0)
        raw_body = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        host = request.headers.get("Host", "")
        if path.startswith("/_storage/"):  # the pre-signed file storage behind compliance jobs
            with self._lock:
                self._requests.append(RecordedRequest(request.command, path, {}, kind, host, None))
                return self._storage(request.command, path, query, raw_body)
        with self._lock:
            self._requests.append(RecordedRequest(request.command, path, query, kind, host, body))
            delay = self._take(self._delays, request.command, path)
            failure = self._take(self._failures, request.command, path)
        if delay is not None and not delay.process:
            time.sleep(delay.seconds)
            return None
        with self._lock:
            answer = self._answer(request.command, path, raw_query, query, body, kind, header, host, failure)
        if delay is not None:
            time.sleep(delay.seconds)
        return answer

    def _answer(
        self,
        method: str,
        path: str,
        raw_query: str,
        query: dict[str, str],
        body: Any,
        kind: str | None,
        header: str,
        host: str,
        failure: _Injected | None,
    ) -> Response:
        if failure is not None and not failure.process:
            error = self._injected_error(failure)
            return error.status, error.body, error.headers
        found = self._route(method, path)
        if found is None:
            return (
                404,
                problem(404, f"The requested resource '{path}' does not exist", title="Not Found Error"),
                {},
            )
        route, handler, args = found
        rate_headers: dict[str, str] = {}
        try:
            auth_error = self._auth_problem(kind, route, header, method, host, path, raw_query)
            if auth_error is not None:
                raise auth_error
            rate_headers, rate_error = self._rate_limit(route, kind or "")
            if rate_error is not None:
                raise rate_error
            status, answer, headers = handler(query, body, *args)
        except ApiError as error:
            status, answer, headers = error.status, error.body, {**rate_headers, **error.headers}
        else:
            headers = {**rate_headers, **headers}
            if kind == "oauth1":
                headers["x-access-level"] = self.access_level
        if failure is not None:
            injected = self._injected_error(failure)
            return injected.status, injected.body, injected.headers
        return status, answer, headers
