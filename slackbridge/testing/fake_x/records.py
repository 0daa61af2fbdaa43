"""The shapes the fake X hands around: an answer, recorded requests, injected faults, credentials."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypedDict

Response = tuple[int, dict[str, Any] | None, dict[str, str]]
FileResponse = tuple[int, bytes, dict[str, str]]  # from the storage behind compliance jobs


class XCredentials(TypedDict):
    """XClient's keyword arguments for keys, so `XClient(base_url=fake.url, **fake.credentials())` works."""

    api_key: str
    api_secret: str
    access_token: str
    access_token_secret: str
    bearer_token: str | None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    auth: str | None  # "oauth1", "bearer" or None
    host: str
    body: Any = None
    at: float = field(default_factory=time.time, compare=False)  # when it arrived (Unix time)


@dataclass
class _Injected:
    prefix: str
    method: str | None
    count: int
    status: int = 0
    headers: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    seconds: float = 0.0
    process: bool = False

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.prefix) and (self.method is None or self.method == method)
