"""Thin wrapper over the openai client: one call shape, and every failure mapped to one AIError."""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from typing import Any, TypedDict

import openai

logger = logging.getLogger(__name__)


class ChatMessage(TypedDict):
    role: str  # "system", "user" or "assistant"
    content: str


class AIErrorKind(enum.StrEnum):
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    BAD_OUTPUT = "bad_output"
    AUTH = "auth"
    REJECTED = "rejected"  # any other 4xx: wrong model name, request the server refuses


class AIError(Exception):
    """What went wrong talking to the model, in words a support agent can act on (never contains the key)."""

    def __init__(self, kind: AIErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __repr__(self) -> str:
        return f"AIError({self.kind.value!r}, {self.message!r})"


class AIClient:
    """Chat completions against OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp)."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        model: str = "gpt-4o-mini",
        timeout: float = 20.0,
        *,
        max_retries: int = 0,
    ) -> None:
        # No retries by default: the openai client would sleep up to a minute on Retry-After, while
        # a person waits in Slack; a clear error and a "try again" button serve them better.
        self.model = model
        self.timeout = timeout
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_mode: bool = False,
        max_tokens: int = 600,
        temperature: float = 0.4,
    ) -> str:
        """The assistant's text for these messages; raises AIError on any failure."""
        kwargs: dict[str, Any] = {}
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[dict(m) for m in messages],  # type: ignore[misc]
                # max_tokens rather than max_completion_tokens: every compatible server understands it.
                max_tokens=max_tokens,
                temperature=temperature,
                **kwargs,
            )
        except openai.OpenAIError as exc:
            raise _map_error(exc, self.model) from None
        try:
            content = completion.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        if not isinstance(content, str) or not content.strip():
            logger.warning("ai.empty_output model=%s", self.model)
            raise AIError(AIErrorKind.BAD_OUTPUT, "The AI model sent back an empty answer. Try again.")
        return content


def _map_error(exc: openai.OpenAIError, model: str) -> AIError:
    """Our few kinds from openai's exception tree; the server's own message may echo the key, so drop it."""
    status = getattr(exc, "status_code", None)
    code = getattr(exc, "code", None)
    logger.warning("ai.request_failed error=%s status=%s code=%s", type(exc).__name__, status, code)
    if isinstance(exc, openai.APITimeoutError):
        return AIError(AIErrorKind.TIMEOUT, "The AI model took too long to answer. Try again in a moment.")
    if isinstance(exc, openai.APIConnectionError):
        return AIError(
            AIErrorKind.UNAVAILABLE, "Could not reach the AI server. Check its address and try again."
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AIError(AIErrorKind.AUTH, "The AI server refused the API key. Ask an admin to check it.")
    if isinstance(exc, openai.RateLimitError):
        if code == "insufficient_quota":
            return AIError(
                AIErrorKind.RATE_LIMITED, "The AI account has run out of credit. Ask an admin to top it up."
            )
        return AIError(AIErrorKind.RATE_LIMITED, "The AI server is busy (rate limit). Try again in a minute.")
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return AIError(
            AIErrorKind.UNAVAILABLE, f"The AI server had a problem (HTTP {exc.status_code}). Try again."
        )
    if isinstance(exc, openai.NotFoundError):
        return AIError(
            AIErrorKind.REJECTED, f"The AI server does not know the model '{model}'. Check the model name."
        )
    if isinstance(exc, openai.APIStatusError):
        return AIError(AIErrorKind.REJECTED, f"The AI server rejected the request (HTTP {exc.status_code}).")
    if isinstance(exc, openai.APIResponseValidationError):
        return AIError(AIErrorKind.BAD_OUTPUT, "The AI server sent an answer in an unexpected format.")
    return AIError(AIErrorKind.UNAVAILABLE, "The AI request failed. Try again.")
