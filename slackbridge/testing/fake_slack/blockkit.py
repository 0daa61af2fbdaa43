"""Slack's documented Block Kit limits, and validation that answers the way Slack does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slackbridge.testing.fake_slack.records import Json

MAX_MESSAGE_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


@dataclass(frozen=True)
class _Rule:
    applies_to: str  # block/element type, or "*" for any
    path: str  # dotted path; "*" walks every item of a list
    limit: int
    kind: str = "len"  # len: string length; count: list length; max: numeric value


# The limits Slack documents for Block Kit and enforces with invalid_blocks.
_RULES: tuple[_Rule, ...] = (
    _Rule("section", "text.text", 3000),
    _Rule("section", "fields", 10, "count"),
    _Rule("section", "fields.*.text", 2000),
    _Rule("header", "text.text", 150),
    _Rule("context", "elements", 10, "count"),
    _Rule("actions", "elements", 25, "count"),
    _Rule("button", "value", 2000),
    _Rule("button", "text.text", 75),
    _Rule("*", "action_id", 255),
    _Rule("*", "block_id", 255),
    _Rule("plain_text_input", "max_length", 3000, "max"),
)


def _walk_path(node: Any, parts: list[str], pointer: str) -> Iterator[tuple[Any, str]]:
    if not parts:
        yield node, pointer
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from _walk_path(item, rest, f"{pointer}/{i}")
    elif isinstance(node, dict) and head in node:
        yield from _walk_path(node[head], rest, f"{pointer}/{head}")


def _check_rules(node: Json, pointer: str) -> list[str]:
    errors: list[str] = []
    for rule in _RULES:
        if rule.applies_to not in ("*", node.get("type")):
            continue
        for value, ptr in _walk_path(node, rule.path.split("."), pointer):
            if rule.kind == "len" and isinstance(value, str) and len(value) > rule.limit:
                errors.append(f"[ERROR] must be less than {rule.limit + 1} characters [json-pointer:{ptr}]")
            elif rule.kind == "count" and isinstance(value, list) and len(value) > rule.limit:
                errors.append(f"[ERROR] no more than {rule.limit} items allowed [json-pointer:{ptr}]")
            elif rule.kind == "max" and isinstance(value, int) and value > rule.limit:
                errors.append(f"[ERROR] must be at most {rule.limit} [json-pointer:{ptr}]")
    return errors


def validate_blocks(
    blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Return Slack-style error messages for ``blocks`` (empty when valid)."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must provide an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    for i, block in enumerate(blocks):
        ptr = f"{pointer}/{i}"
        if not isinstance(block, dict) or not block.get("type"):
            errors.append(f"[ERROR] missing required field: type [json-pointer:{ptr}]")
            continue
        errors += _check_rules(block, ptr)
        children: list[tuple[Any, str]] = [
            (block.get("accessory"), f"{ptr}/accessory"),
            (block.get("element"), f"{ptr}/element"),
        ]
        children += [(el, f"{ptr}/elements/{j}") for j, el in enumerate(block.get("elements") or [])]
        for child, child_ptr in children:
            if child is None:
                continue
            if not isinstance(child, dict) or not child.get("type"):
                errors.append(f"[ERROR] missing required field: type [json-pointer:{child_ptr}]")
                continue
            errors += _check_rules(child, child_ptr)
    return errors
