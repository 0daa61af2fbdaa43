"""X's batch compliance jobs: create a job, PUT ids to a pre-signed URL, poll, download JSON-lines results.

The pre-signed upload and download URLs point at this server's `/_storage/` paths, which, like the real
cloud storage behind them, take no credentials: the signature in the URL is the grant.
"""

from __future__ import annotations

import itertools
import json
import secrets
from datetime import timedelta
from typing import Any

from slackbridge.testing.fake_x.errors import invalid_request, not_found_error
from slackbridge.testing.fake_x.records import FileResponse, Response
from slackbridge.testing.fake_x.render import XRendering

FIRST_JOB_ID = 1372966999991541762
UPLOAD_WINDOW = timedelta(minutes=15)
DOWNLOAD_WINDOW = timedelta(days=7)
_STAMP = "%Y-%m-%dT%H:%M:%S.000Z"


class XCompliance(XRendering):
    """Job state and the three endpoints; expects the caller to hold ``self._lock`` like every route."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._job_ids = itertools.count(FIRST_JOB_ID)
        self._jobs: dict[str, dict[str, Any]] = {}
        self._compliance_marks: dict[str, str] = {}
        # How many status checks a job answers "in_progress" after its upload before it completes.
        self.compliance_checks_before_done = 1

    # -- test helpers --------------------------------------------------------------------------------------

    def mark_for_compliance(self, tweet_id: str, reason: str) -> None:
        """Make a post show up in job results with this reason (suspended, protected, deactivated...)."""
        with self._lock:
            self._compliance_marks[tweet_id] = reason

    def compliance_jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(job) for job in self._jobs.values()]

    def expire_compliance_job(self, job_id: str) -> None:
        with self._lock:
            self._jobs[job_id]["status"] = "expired"

    @property
    def url(self) -> str:
        raise NotImplementedError  # the server knows where it listens

    # -- endpoints -----------------------------------------------------------------------------------------

    def _post_compliance_job(self, q: dict[str, str], body: Any) -> Response:
        kind = body.get("type") if isinstance(body, dict) else None
        if kind not in ("tweets", "users"):
            raise invalid_request(
                f"The `type` query parameter value [{kind}] is not one of [tweets, users]",
                {"type": [str(kind)]},
            )
        busy = [
            j for j in self._jobs.values() if j["type"] == kind and j["status"] in ("created", "in_progress")
        ]
        if busy:
            raise invalid_request(f"You can have only one active {kind} compliance job at a time.")
        job_id = str(next(self._job_ids))
        now = self.clock()
        token = secrets.token_hex(8)
        self._jobs[job_id] = {
            "id": job_id,
            "type": kind,
            "name": body.get("name"),
            "status": "created",
            "created_at": now,
            "token": token,
            "ids": [],
            "checks_left": self.compliance_checks_before_done,
        }
        return 200, {"data": self._job_json(self._jobs[job_id])}, {}

    def _get_compliance_job(self, q: dict[str, str], body: Any, job_id: str) -> Response:
        job = self._jobs.get(job_id)
        if job is None:
            return 200, {"errors": [not_found_error("compliance_job", "id", job_id)]}, {}
        if job["status"] == "created" and self.clock() - job["created_at"] > UPLOAD_WINDOW:
            job["status"] = "expired"
        elif job["status"] == "in_progress":
            if job["checks_left"] <= 0:
                job["status"] = "complete"
            job["checks_left"] -= 1
        return 200, {"data": self._job_json(job)}, {}

    def _storage(self, method: str, path: str, query: dict[str, str], raw_body: bytes) -> FileResponse:
        """PUT /_storage/upload/<job> and GET /_storage/download/<job>, signed by `?sig=`."""
        parts = path.strip("/").split("/")
        job = self._jobs.get(parts[-1]) if len(parts) == 3 else None
        if job is None or not secrets.compare_digest(query.get("sig", ""), job["token"]):
            return 403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"}
        if parts[1] == "upload" and method == "PUT":
            if job["status"] != "created":
                return 403, b"<Error><Code>ExpiredToken</Code></Error>", {"Content-Type": "application/xml"}
            job["ids"] = [line.strip() for line in raw_body.decode().splitlines() if line.strip()]
            job["status"] = "in_progress"
            return 200, b"", {"Content-Type": "text/plain"}
        if parts[1] == "download" and method == "GET":
            if job["status"] != "complete":
                return 404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"}
            lines = [json.dumps(event) for event in self._results(job)]
            return 200, "".join(f"{line}\n" for line in lines).encode(), {"Content-Type": "text/plain"}
        return 405, b"", {"Content-Type": "text/plain"}

    # -- internals -----------------------------------------------------------------------------------------

    def _results(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        """Only the posts that need action, as X lists them."""
        events = []
        for tweet_id in job["ids"]:
            tweet = self._tweets.get(tweet_id)
            reason = self._compliance_marks.get(tweet_id) or (
                "deleted" if tweet and tweet["deleted"] else None
            )
            if reason is None:
                continue
            created = tweet["created_at"] if tweet else job["created_at"]
            events.append(
                {
                    "id": tweet_id,
                    "action": "scrub_geo" if reason == "scrub_geo" else "delete",
                    "created_at": created.strftime(_STAMP),
                    "redacted_at": job["created_at"].strftime(_STAMP),
                    "reason": reason,
                }
            )
        return events

    def _job_json(self, job: dict[str, Any]) -> dict[str, Any]:
        created = job["created_at"]
        base = f"{self.url}/_storage"
        return {
            "id": job["id"],
            "type": job["type"],
            **({"name": job["name"]} if job.get("name") else {}),
            "status": job["status"],
            "resumable": False,
            "created_at": created.strftime(_STAMP),
            "upload_url": f"{base}/upload/{job['id']}?sig={job['token']}",
            "upload_expires_at": (created + UPLOAD_WINDOW).strftime(_STAMP),
            "download_url": f"{base}/download/{job['id']}?sig={job['token']}",
            "download_expires_at": (created + DOWNLOAD_WINDOW).strftime(_STAMP),
        }
