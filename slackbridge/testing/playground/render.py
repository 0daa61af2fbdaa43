"""Messages as a person reads them in Slack: names for mentions, local dates, link text, listed buttons."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

Json = dict[str, Any]
Names = Callable[[str], str]  # a Slack user or group id -> the name Slack shows

_EMOJI = {
    "large_orange_circle": "🟠",
    "large_green_circle": "🟢",
    "large_blue_circle": "🔵",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "rotating_light": "🚨",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "bar_chart": "📊",
    "robot_face": "🤖",
    "memo": "📝",
    "bust_in_silhouette": "👤",
    "speech_balloon": "💬",
    "mag": "🔍",
    "question": "❓",
    "star": "⭐",
    "tada": "🎉",
    "pushpin": "📌",
    "lock": "🔒",
    "no_entry_sign": "🚫",
    "repeat": "🔁",
    "link": "🔗",
    "ear": "👂",
    "wastebasket": "🗑️",
    "pencil2": "✏️",
    "arrow_right": "➡️",
    "moneybag": "💰",
    "busts_in_silhouette": "👥",
    "envelope": "✉️",
    "sparkles": "✨",
    "thumbsup": "👍",
    "+1": "👍",
    "construction": "🚧",
}
_TOKEN = re.compile(r"<([^<>]*)>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_CODE = re.compile(r"`([^`\n]+)`")


def format_date(stamp: int, fmt: str, now: datetime | None = None) -> str | None:
    """Slack's <!date^…> tokens in this machine's time zone; None for a format Slack would not render."""
    moment = datetime.fromtimestamp(stamp).astimezone()
    today = (now or datetime.now().astimezone()).date()

    def pretty(day: date, plain: str) -> str:
        if day == today:
            return "Today"
        if day == today - timedelta(days=1):
            return "Yesterday"
        if day == today + timedelta(days=1):
            return "Tomorrow"
        return plain

    short = f"{moment:%b} {moment.day}" + ("" if moment.year == today.year else f", {moment.year}")
    long = f"{moment:%A, %B} {moment.day}, {moment.year}"
    tokens = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": f"{moment:%B} {moment.day}, {moment.year}",
        "date_short": short,
        "date_long": long,
        "date_pretty": pretty(moment.date(), f"{moment:%B} {moment.day}, {moment.year}"),
        "date_short_pretty": pretty(moment.date(), short),
        "date_long_pretty": pretty(moment.date(), long),
        "time": f"{moment:%H:%M}",
        "time_secs": f"{moment:%H:%M:%S}",
        "ago": _ago(moment, now),
    }
    out = re.sub(r"\{(\w+)\}", lambda m: tokens.get(m.group(1), "\0"), fmt)
    return None if "\0" in out or stamp <= 0 else out


def _ago(moment: datetime, now: datetime | None) -> str:
    seconds = int(((now or datetime.now().astimezone()) - moment).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if abs(seconds) >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _token(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or names(target[1:]))
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@" + names(target.split("^", 1)[1])
    if target.startswith("!date^"):
        parts = target.split("^")
        if len(parts) >= 3 and parts[1].isdigit():
            shown = format_date(int(parts[1]), parts[2])
            if shown is not None:
                return shown
        return label
    if target.startswith("!"):
        return "@" + target[1:]
    return label or target


def mrkdwn_to_text(text: str, names: Names) -> str:
    """mrkdwn as it is displayed: tokens resolved, formatting marks and entities gone, emoji drawn."""
    out: list[str] = []
    for line in text.split("\n"):
        quote = line.startswith(">")
        shown = _inline(line[1:].lstrip(" ") if quote else line, names)
        out.append("│ " + shown if quote else shown)
    return "\n".join(out).replace("\u00ad", "")


def _inline(text: str, names: Names) -> str:
    pieces: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        pieces.append(_plain_marks(text[last : match.start()]))
        pieces.append(html.unescape(_token(match.group(1), names)))
        last = match.end()
    pieces.append(_plain_marks(text[last:]))
    return "".join(pieces)


def _plain_marks(text: str) -> str:
    for pattern in (_BOLD, _ITALIC, _STRIKE, _CODE):
        text = pattern.sub(r"\1", text)
    return emoji(html.unescape(text))


def emoji(text: str) -> str:
    return _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)


def _text_object(obj: Any, names: Names) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    return mrkdwn_to_text(text, names) if obj.get("type") == "mrkdwn" else emoji(text)


def _rich(elements: list[Json], names: Names) -> str:
    out: list[str] = []
    for el in elements:
        kind = el.get("type")
        if kind == "text":
            out.append(str(el.get("text", "")))
        elif kind == "link":
            out.append(str(el.get("text") or el.get("url", "")))
        elif kind == "user":
            out.append("@" + names(str(el.get("user_id", ""))))
        elif kind == "usergroup":
            out.append("@" + names(str(el.get("usergroup_id", ""))))
        elif kind == "channel":
            out.append("#" + str(el.get("channel_id", "")))
        elif kind == "emoji":
            out.append(emoji(f":{el.get('name', '')}:"))
        elif kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            inner = _rich(el.get("elements", []), names)
            out.append(
                "\n".join("│ " + line for line in inner.split("\n")) if kind == "rich_text_quote" else inner
            )
        elif kind == "rich_text_list":
            out.append("\n".join("• " + _rich(item.get("elements", []), names) for item in el["elements"]))
    return "".join(out)


def _control(el: Json, names: Names) -> str:
    kind = el.get("type")
    if kind == "button":
        return f"[{_text_object(el.get('text'), names)}]"
    if kind in ("static_select", "external_select", "users_select", "conversations_select", "overflow"):
        label = _text_object(el.get("placeholder"), names) or "⋯"
        chosen = el.get("initial_option")
        if isinstance(chosen, dict):
            return f"[{label}: {_text_object(chosen.get('text'), names)} ▾]"
        return f"[{label} ▾]"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    return _text_object(el, names)


def block_lines(block: Json, names: Names) -> list[str]:
    kind = block.get("type")
    if kind in ("section", "header"):
        parts = [_text_object(block.get("text"), names)]
        parts += [_text_object(f, names) for f in block.get("fields", [])]
        if isinstance(block.get("accessory"), dict):
            parts.append(_control(block["accessory"], names))
        return [p for p in parts if p]
    if kind == "context":
        return [" · ".join(_control(el, names) for el in block.get("elements", []))]
    if kind == "actions":
        return [" ".join(_control(el, names) for el in block.get("elements", []))]
    if kind == "rich_text":
        return [_rich(block.get("elements", []), names)]
    if kind == "divider":
        return ["───"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return []


def as_seen(message: Json, names: Names) -> str:
    """The message as Slack displays it; its `text` when it has no blocks."""
    blocks = message.get("blocks")
    if not blocks:
        return mrkdwn_to_text(str(message.get("text", "")), names)
    lines: list[str] = []
    for block in blocks:
        lines += block_lines(block, names)
    return "\n".join(line for line in lines if line)
