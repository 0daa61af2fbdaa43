"""A local OpenAI-compatible server over real HTTP, so tests and demos drive the real openai client."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]

# Error bodies as OpenAI documents them: {"error": {"message", "type", "param", "code"}}.
_ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "Invalid request.", "type": "invalid_request_error", "param": None, "code": None},
    404: {
        "message": "The model does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    },
    429: {
        "message": "Rate limit reached for requests. Limit: 3 / min. Please try again in 20s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    },
    500: {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    },
    503: {
        "message": "The engine is currently overloaded, please try again later.",
        "type": "server_error",
        "param": None,
        "code": None,
    },
}


def default_responder(request: dict[str, Any]) -> str:
    """A plausible answer: a triage verdict for triage prompts, else three short, clean replies."""
    messages = request.get("messages") or [{}]
    if "You triage posts" in str(messages[0].get("content", "")):
        from slackbridge.triage.builtin import classify_builtin  # lazy: the fake stays importable alone

        user = str(messages[-1].get("content", ""))
        block = user.partition("<customer_tweet>")[2].partition("</customer_tweet>")[0]
        try:
            text = str(json.loads(block).get("text", ""))
        except (ValueError, AttributeError):
            text = user
        verdict = classify_builtin(text)
        return json.dumps(
            {
                "category": verdict.category,
                "sentiment": verdict.sentiment,
                "urgency": verdict.urgency,
                "reason": f"fake model: {verdict.reason}",
            }
        )
    return json.dumps(
        {
            "replies": [
                "Sorry about the trouble! Could you send us a DM with your order number so we can check?",
                "Thanks for flagging this. We're looking into it now and will update you here shortly.",
                "We hear you, and we want to fix it. Please DM us the details and we'll take it from there.",
            ]
        }
    )


@dataclass
class _Failure:
    status: int
    body: dict[str, Any] | str | None
    headers: dict[str, str]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.json.get("messages", []))


class FakeOpenAI:
    """Scriptable /v1/chat/completions and /v1/models on 127.0.0.1; use as a context manager."""

    def __init__(self, api_key: str = "sk-test-fake", model: str = "fake-model") -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[RecordedRequest] = []
        # One script, consumed in order by chat requests: replies and failures as the test queued them.
        self._script: deque[str | Responder | _Failure] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -----------------------------------------------------------------------------
    def reply_with(self, content: str | Responder, *, count: int = 1) -> None:
        """Queue the assistant content of the next chat completions (a callable gets the request JSON)."""
        with self._lock:
            self._script.extend([content] * count)

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        body: dict[str, Any] | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue HTTP errors (documented error JSON unless body is given), in order with reply_with."""
        with self._lock:
            self._script.extend([_Failure(status, body, dict(headers or {}))] * count)

    def delay_next(self, seconds: float) -> None:
        """Sleep before answering the next request (to provoke a client timeout)."""
        with self._lock:
            self._delays.append(seconds)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler -------------------------------------------------------------------
    def _take(self) -> tuple[float, str | Responder | _Failure]:
        with self._lock:
            delay = self._delays.popleft() if self._delays else 0.0
            step = self._script.popleft() if self._script else default_responder
            return delay, step


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._record({})
        if not self._authorized():
            return
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": self.fake.model, "object": "model", "created": 1700000000, "owned_by": "fake"}
            self._send(200, {"object": "list", "data": [model]})
        else:
            self._send(404, {"error": {**_ERROR_BODIES[404], "message": "Unknown path."}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = None
        self._record(payload if isinstance(payload, dict) else {})
        if not self._authorized():
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {**_ERROR_BODIES[404], "message": "Unknown path."}})
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
            self._send(
                400,
                {"error": {**_ERROR_BODIES[400], "message": "'messages' is required", "param": "messages"}},
            )
            return
        delay, step = self.fake._take()
        if delay:
            time.sleep(delay)
        if isinstance(step, _Failure):
            error = _ERROR_BODIES.get(step.status, _ERROR_BODIES[500])
            self._send(step.status, step.body if step.body is not None else {"error": error}, step.headers)
            return
        content = step(payload) if callable(step) else step
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in payload["messages"])
        completion_tokens = len(content.split())
        self._send(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": payload.get("model", self.fake.model),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def _record(self, payload: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.fake._lock:
            self.fake.requests.append(RecordedRequest(self.command, self.path, headers, payload))

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.fake.api_key}":
            return True
        given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        masked = f"{given[:3]}***{given[-4:]}" if len(given) > 8 else "***"
        message = (
            f"Incorrect API key provided: {masked}. "
            "You can find your API key at https://platform.openai.com/account/api-keys."
        )
        error = {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        self._send(401, {"error": error})
        return False

    def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/json" if not isinstance(body, str) else "text/plain"
            )
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test): nothing to answer
