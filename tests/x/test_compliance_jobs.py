"""Batch compliance jobs: the fake's endpoints over raw HTTP, then the real XClient against them."""

from __future__ import annotations

import logging

import pytest
import requests
from requests_oauthlib import OAuth1

from slackbridge.testing.fake_x import FakeX
from slackbridge.x.client import XClient
from slackbridge.x.types import XError, XErrorKind


def _create(fake: FakeX, **body: object) -> requests.Response:
    return requests.post(
        f"{fake.url}/2/compliance/jobs",
        json=body,
        headers={"Authorization": f"Bearer {fake.bearer_token}"},
        timeout=5,
    )


def test_jobs_are_app_only_and_checked_like_x_does(fake_x: FakeX) -> None:
    user_context = requests.post(
        f"{fake_x.url}/2/compliance/jobs",
        json={"type": "tweets"},
        auth=OAuth1(fake_x.api_key, fake_x.api_secret, fake_x.access_token, fake_x.access_token_secret),
        timeout=5,
    )
    assert user_context.status_code == 403
    assert user_context.json()["title"] == "Unsupported Authentication"

    assert _create(fake_x, type="posts").status_code == 400
    created = _create(fake_x, type="tweets", name="nightly")
    assert created.status_code == 200
    job = created.json()["data"]
    assert job["status"] == "created" and job["name"] == "nightly"
    assert {"upload_url", "download_url", "upload_expires_at", "download_expires_at"} <= job.keys()
    assert _create(fake_x, type="tweets").status_code == 400  # one active job per type


def test_storage_urls_need_their_signature_and_results_list_only_posts_needing_action(fake_x: FakeX) -> None:
    keep = fake_x.add_tweet("someone", "@acme fine")
    gone = fake_x.add_tweet("someone", "@acme regret")
    fake_x.delete(gone)
    fake_x.compliance_checks_before_done = 0
    job = _create(fake_x, type="tweets").json()["data"]

    forged = job["upload_url"].split("?")[0] + "?sig=0000"
    assert requests.put(forged, data=f"{keep}\n", timeout=5).status_code == 403
    assert requests.get(job["download_url"], timeout=5).status_code == 404  # nothing to download yet
    assert requests.put(job["upload_url"], data=f"{keep}\n{gone}\n", timeout=5).status_code == 200

    status = requests.get(
        f"{fake_x.url}/2/compliance/jobs/{job['id']}",
        headers={"Authorization": f"Bearer {fake_x.bearer_token}"},
        timeout=5,
    ).json()["data"]["status"]
    assert status == "complete"
    lines = requests.get(job["download_url"], timeout=5).text.splitlines()
    assert len(lines) == 1 and f'"id": "{gone}"' in lines[0] and '"reason": "deleted"' in lines[0]


def test_the_client_runs_a_job_end_to_end(fake_x: FakeX, x_client: XClient) -> None:
    ids = [fake_x.add_tweet("someone", f"@acme post {n}") for n in range(250)]
    fake_x.delete(ids[7])
    fake_x.mark_for_compliance(ids[100], "protected")
    fake_x.compliance_checks_before_done = 1

    job = x_client.create_compliance_job(name="test")
    x_client.upload_compliance_ids(job, ids)
    assert x_client.get_compliance_job(job.id).status == "in_progress"
    done = x_client.get_compliance_job(job.id)
    assert done.status == "complete"
    events = x_client.download_compliance_results(done)
    assert {(e.tweet_id, e.action, e.reason) for e in events} == {
        (ids[7], "delete", "deleted"),
        (ids[100], "delete", "protected"),
    }


def test_a_refused_upload_is_an_error_that_does_not_carry_the_signed_url(
    fake_x: FakeX, x_client: XClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    job = x_client.create_compliance_job(name="test")
    fake_x.expire_compliance_job(job.id)
    with pytest.raises(XError) as raised:
        x_client.upload_compliance_ids(job, ["1"])
    assert raised.value.kind == XErrorKind.BAD_REQUEST
    assert "403" in raised.value.message
    signature = job.upload_url.split("sig=")[1]
    assert signature not in raised.value.message
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("slackbridge.x")]
    assert ours and not any(signature in line for line in ours)
    assert "sig=" not in repr(job)


def test_without_a_bearer_token_jobs_are_not_offered(fake_x: FakeX, user_only_client: XClient) -> None:
    assert not user_only_client.has_app_token
