"""The AI client against a real HTTP server: what comes back, and how each failure reaches the user."""

from __future__ import annotations

import socket

import pytest

from slackbridge.ai.client import AIClient, AIError, AIErrorKind, ChatMessage
from slackbridge.testing.fake_openai import FakeOpenAI

HELLO: list[ChatMessage] = [{"role": "user", "content": "hello"}]


def test_chat_returns_the_assistant_text_and_sends_json_mode(ai: AIClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.reply_with('{"ok": true}')
    assert ai.chat(HELLO, json_mode=True) == '{"ok": true}'
    sent = fake_openai.chat_requests[-1]
    assert sent.json["model"] == "fake-model"
    assert sent.json["response_format"] == {"type": "json_object"}
    assert sent.headers["authorization"] == "Bearer sk-test-123456789"


def test_timeout_becomes_a_timeout_error(fake_openai: FakeOpenAI) -> None:
    client = AIClient("sk-test-123456789", base_url=fake_openai.base_url, timeout=0.3)
    fake_openai.delay_next(1.5)
    with pytest.raises(AIError) as info:
        client.chat(HELLO)
    assert info.value.kind == AIErrorKind.TIMEOUT
    assert "too long" in info.value.message


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (429, AIErrorKind.RATE_LIMITED, "rate limit"),
        (500, AIErrorKind.UNAVAILABLE, "HTTP 500"),
        (503, AIErrorKind.UNAVAILABLE, "HTTP 503"),
        (404, AIErrorKind.REJECTED, "model 'fake-model'"),
    ],
)
def test_http_errors_map_to_kinds(
    ai: AIClient, fake_openai: FakeOpenAI, status: int, kind: AIErrorKind, words: str
) -> None:
    fake_openai.fail_next(status)
    with pytest.raises(AIError) as info:
        ai.chat(HELLO)
    assert info.value.kind == kind
    assert words in info.value.message
    # The next request works again: nothing is stuck.
    assert ai.chat(HELLO)


def test_exhausted_quota_says_so(ai: AIClient, fake_openai: FakeOpenAI) -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    fake_openai.fail_next(429, body=body)
    with pytest.raises(AIError) as info:
        ai.chat(HELLO)
    assert info.value.kind == AIErrorKind.RATE_LIMITED
    assert "credit" in info.value.message


def test_wrong_key_is_an_auth_error_that_never_shows_the_key(fake_openai: FakeOpenAI) -> None:
    client = AIClient("sk-wrong-secret-value-9876", base_url=fake_openai.base_url)
    with pytest.raises(AIError) as info:
        client.chat(HELLO)
    assert info.value.kind == AIErrorKind.AUTH
    assert "9876" not in str(info.value) and "sk-wrong" not in repr(info.value)


def test_unreachable_server_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = AIClient("sk-x", base_url=f"http://127.0.0.1:{port}/v1", timeout=2.0)
    with pytest.raises(AIError) as info:
        client.chat(HELLO)
    assert info.value.kind == AIErrorKind.UNAVAILABLE


def test_empty_answer_is_bad_output(ai: AIClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.reply_with("   ")
    with pytest.raises(AIError) as info:
        ai.chat(HELLO)
    assert info.value.kind == AIErrorKind.BAD_OUTPUT


def test_fake_lists_models_like_the_real_api(fake_openai: FakeOpenAI) -> None:
    import openai

    client = openai.OpenAI(api_key="sk-test-123456789", base_url=fake_openai.base_url, max_retries=0)
    assert [m.id for m in client.models.list()] == ["fake-model"]
