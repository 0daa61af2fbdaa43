"""A requests session that points tweepy's hard-coded api.twitter.com at our base URL."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests

from slackbridge import metrics

logger = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"
# tweepy logs its request headers at DEBUG, bearer token included: it only ever sees this placeholder and
# BaseUrlSession swaps the real token in on the way out.
_BEARER_PLACEHOLDER = "slackbridge-bearer-placeholder"


class BaseUrlSession(requests.Session):
    """Sends tweepy's hard-coded api.twitter.com requests to base_url, with a default timeout."""

    def __init__(self, base_url: str, timeout: tuple[float, float], bearer_token: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.default_timeout = timeout
        self._bearer_token = bearer_token

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, bytes):
            url = url.decode()
        if url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        headers = kwargs.get("headers")
        if headers and headers.get("Authorization") == f"Bearer {_BEARER_PLACEHOLDER}":
            headers = dict(headers)
            headers["Authorization"] = f"Bearer {self._bearer_token}"
            kwargs["headers"] = headers
        split = urlsplit(url)
        logger.debug("x.request method=%s host=%s path=%s", method, split.netloc, split.path)
        verb = method.decode() if isinstance(method, bytes) else method
        metrics.process().x_requests.labels(metrics.x_endpoint(split.path), verb.upper()).inc()
        return super().request(method, url, *args, **kwargs)
