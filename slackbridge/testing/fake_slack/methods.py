"""The Web API methods the fake Slack answers, each shaped like Slack's method docs."""

from __future__ import annotations

import base64
import copy
import time
from typing import Any

from slackbridge.testing.fake_slack.records import Json, SlackError, UploadedFile
from slackbridge.testing.fake_slack.server import SlackServer
from slackbridge.testing.fake_slack.state import _json_field

PERMALINK_HOST = "https://fake.slack.test"


class SlackWebApi(SlackServer):
    """Handlers for the Web API methods; each runs with ``self._lock`` held and raises SlackError."""

    # ------------------------------------------------------------ Web API methods

    def _auth_test(self, params: Json) -> Json:
        return {
            "url": f"{PERMALINK_HOST}/",
            "team": "Fake Team",
            "user": "slackbridge",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: Json) -> Json:
        return {"url": self._socket.issue_url()}

    def _chat_post_message(self, params: Json) -> Json:
        # A user ID as the channel posts in the app's DM with that person; Slack answers with the D… ID.
        user = str(params.get("channel") or "")
        channel = self._dm_channel(user) if user in self._users else self._channel(params)
        blocks = self._check_content(params)
        message = self._store_message(
            channel, {**params, "blocks": blocks}, thread_ts=params.get("thread_ts") or None
        )
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, params: Json) -> Json:
        channel = self._channel(params)
        message = self._existing(channel, params.get("ts"))
        blocks = self._check_content(params, require=False)
        if "text" in params:
            message["text"] = params.get("text") or ""
        if blocks is not None:
            message["blocks"] = blocks
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, params: Json) -> Json:
        channel = self._channel(params)
        message = self._existing(channel, params.get("ts"))
        self._remove_message(channel, message["ts"])
        return {"channel": channel, "ts": message["ts"]}

    def _chat_post_ephemeral(self, params: Json) -> Json:
        channel = self._channel(params)
        if not params.get("user"):
            raise SlackError("user_not_found")
        blocks = self._check_content(params)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": params["user"],
                "ts": ts,
                "text": params.get("text") or "",
                "blocks": blocks or [],
                "thread_ts": params.get("thread_ts"),
            }
        )
        return {"message_ts": ts}

    def _chat_get_permalink(self, params: Json) -> Json:
        channel = self._channel(params)
        message = self._existing(channel, params.get("message_ts"))
        link = f"{PERMALINK_HOST}/archives/{channel}/p{message['ts'].replace('.', '')}"
        if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _conversations_replies(self, params: Json) -> Json:
        """A thread, parent first then replies oldest first, `limit` at a time with Slack's cursor."""
        channel = self._channel(params)
        found = self._messages.get((channel, str(params.get("ts") or "")))
        if found is None:
            raise SlackError("thread_not_found")
        parent_ts = str(found.get("thread_ts", found["ts"]))
        chain = [parent_ts, *self._replies.get((channel, parent_ts), [])]
        oldest = _ts_float(params.get("oldest"), default=0.0)
        with_metadata = _truthy(params.get("include_all_metadata"))
        listed = [ts for ts in chain if ts == parent_ts or float(ts) > oldest]
        after = _cursor_ts(params.get("cursor"))
        if after is not None:
            listed = [ts for ts in listed if float(ts) > after]
        page, more = _page(listed, params)
        return {
            "messages": [_as_listed(self._messages[(channel, ts)], with_metadata) for ts in page],
            "has_more": more,
            "response_metadata": {"next_cursor": _cursor(page[-1]) if more else ""},
        }

    def _conversations_history(self, params: Json) -> Json:
        """Top-level messages, newest first, after `oldest`; metadata only with include_all_metadata.

        `limit` at a time: with more left, `has_more` is true and `response_metadata.next_cursor` is
        the `cursor` to pass for the next (older) page, as Slack documents."""
        channel = self._channel(params)
        oldest = _ts_float(params.get("oldest"), default=0.0)
        latest = _ts_float(params.get("latest"), default=float("inf"))
        before = _cursor_ts(params.get("cursor"))
        if before is not None:
            latest = min(latest, before - 1e-7)
        top = [
            m
            for (chan, _), m in self._messages.items()
            if chan == channel
            and m.get("thread_ts", m["ts"]) == m["ts"]
            and oldest < float(m["ts"]) <= latest
        ]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        page, more = _page(top, params)
        with_metadata = _truthy(params.get("include_all_metadata"))
        return {
            "messages": [_as_listed(m, with_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(page[-1]["ts"]) if more else ""},
        }

    def _conversations_list(self, params: Json) -> Json:
        """Channels by `types` (public_channel by default); private ones only where the bot is a member.

        Pages of `limit`; `response_metadata.next_cursor` is the next page's `cursor` ("" at the end)."""
        types = set(str(params.get("types") or "public_channel").split(","))
        listed = [
            {
                "id": channel_id,
                "name": name,
                "is_channel": True,
                "is_private": channel_id in self._private,
                "is_archived": False,
                "is_member": channel_id not in self._outside,
            }
            for channel_id, name in sorted(self._channels.items())
            if ("private_channel" if channel_id in self._private else "public_channel") in types
            and (channel_id not in self._private or channel_id not in self._outside)
        ]
        start = int(base64.b64decode(str(params.get("cursor") or "")).decode().partition(":")[2] or 0)
        page, more = _page(listed[start:], params)
        after = base64.b64encode(f"next_idx:{start + len(page)}".encode()).decode() if more else ""
        return {"channels": page, "response_metadata": {"next_cursor": after}}

    def _reactions_add(self, params: Json) -> Json:
        channel = self._channel(params)
        message = self._existing(channel, params.get("timestamp"))
        name = str(params.get("name") or "").strip(":")
        if not name:
            raise SlackError("invalid_name")
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if self.bot_user_id in entry["users"]:
            raise SlackError("already_reacted")
        entry["users"].append(self.bot_user_id)
        entry["count"] = len(entry["users"])
        return {}

    def _views_open(self, params: Json) -> Json:
        trigger_id = str(params.get("trigger_id") or "")
        issued = self._triggers.get(trigger_id)
        if not trigger_id or issued is None:
            raise SlackError("invalid_trigger_id")
        if issued < 0:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        view = self._view_from(params, kind="modal")
        self._triggers[trigger_id] = -1.0
        rendered = self._render_view(view, self._next_id("V"))
        self._views[rendered["id"]] = rendered
        self._views_opened.append(copy.deepcopy(rendered))
        return {"view": copy.deepcopy(rendered)}

    def _views_update(self, params: Json) -> Json:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        current = self._views.get(str(view_id)) if view_id else None
        if current is None and external_id:
            current = next((v for v in self._views.values() if v.get("external_id") == external_id), None)
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._view_from(params)
        rendered = self._render_view(view, current["id"], current["root_view_id"])
        self._views[current["id"]] = rendered
        self._views_updated.append(copy.deepcopy(rendered))
        return {"view": copy.deepcopy(rendered)}

    def _views_publish(self, params: Json) -> Json:
        user_id = str(params.get("user_id") or "")
        if not user_id:
            raise SlackError("user_not_found")
        view = self._view_from(params, kind="home")
        previous = self._home.get(user_id)
        rendered = self._render_view(view, previous["id"] if previous else self._next_id("V"))
        self._views[rendered["id"]] = rendered
        self._home[user_id] = rendered
        return {"view": copy.deepcopy(rendered)}

    def _users_info(self, params: Json) -> Json:
        found = self._users.get(str(params.get("user") or ""))
        if found is None:
            raise SlackError("user_not_found")
        return {"user": copy.deepcopy(found)}

    def _conversations_open(self, params: Json) -> Json:
        """Only the one-person form (a DM with the bot); `users` is a comma-separated list of ids."""
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("not_implemented")  # group DMs (mpim:write) are not used by the product
        if users[0] not in self._users:
            raise SlackError("user_not_found")
        existing = self._dms.get(users[0])
        if existing is None:
            existing = self._dms[users[0]] = self._next_id("D")
            self._channels[existing] = f"dm-{users[0]}"
            return {"channel": {"id": existing}}
        return {"no_op": True, "already_open": True, "channel": {"id": existing}}

    def _usergroups_users_list(self, params: Json) -> Json:
        members = self._usergroups.get(str(params.get("usergroup") or ""))
        if members is None:
            raise SlackError("no_such_subteam")
        return {"users": list(members)}

    def _files_get_upload_url(self, params: Json) -> Json:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except ValueError as err:
            raise SlackError("invalid_arguments") from err
        if not filename or length <= 0:
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = UploadedFile(file_id, filename, length, alt_txt=params.get("alt_txt"))
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Json) -> Json:
        entries = _json_field(params, "files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        channel = params.get("channel_id") or str(params.get("channels") or "").split(",")[0] or None
        if channel and self.strict_channels and channel not in self._channels:
            raise SlackError("channel_not_found")
        thread_ts = params.get("thread_ts") or None
        uploads: list[UploadedFile] = []
        for entry in entries:
            upload = self._files.get(str(entry.get("id")))
            if upload is None or not upload.uploaded:
                raise SlackError("file_not_found")
            uploads.append(upload)
        shown = []
        for upload, entry in zip(uploads, entries, strict=True):
            upload.title = entry.get("title") or upload.filename
            upload.channel_id, upload.thread_ts = channel, thread_ts
            upload.initial_comment = params.get("initial_comment")
            upload.completed = True
            shown.append(self._file_object(upload))
        if channel:
            share = {"text": params.get("initial_comment") or "", "files": shown, "upload": True}
            self._store_message(channel, share, thread_ts=thread_ts)
        return {"files": copy.deepcopy(shown)}

    def _file_object(self, upload: UploadedFile) -> Json:
        return {
            "id": upload.id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": upload.filename,
            "title": upload.title,
            "mimetype": "application/octet-stream",
            "filetype": upload.filename.rpartition(".")[2] if "." in upload.filename else "binary",
            "user": self.bot_user_id,
            "size": len(upload.content),
            "url_private": f"{PERMALINK_HOST}/files-pri/{self.team_id}-{upload.id}/{upload.filename}",
            "permalink": f"{PERMALINK_HOST}/files/{self.bot_user_id}/{upload.id}/{upload.filename}",
            "channels": [upload.channel_id] if upload.channel_id else [],
            "shares": {},
        }


def _truthy(value: object) -> bool:
    return str(value).lower() in ("1", "true")


def _ts_float(value: object, *, default: float) -> float:
    try:
        return float(str(value)) if value not in (None, "") else default
    except ValueError:
        raise SlackError("invalid_ts_oldest") from None


def _as_listed(message: Json, with_metadata: bool) -> Json:
    """As Slack lists a message: its metadata only when the caller asked for it."""
    listed = copy.deepcopy(message)
    if not with_metadata:
        listed.pop("metadata", None)
    return listed


def _page(items: list[Any], params: Json) -> tuple[list[Any], bool]:
    limit = min(max(int(params.get("limit") or 100), 1), 999)
    return items[:limit], len(items) > limit


def _cursor(ts: str) -> str:
    """Slack's cursors are opaque base64 strings (e.g. of ``next_ts:<ts>``)."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_ts(cursor: object) -> float | None:
    if cursor in (None, ""):
        return None
    try:
        kind, _, ts = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "next_ts":
            raise ValueError(kind)
        return float(ts)
    except ValueError:
        raise SlackError("invalid_cursor") from None
