"""Builds the Bolt app, the outbound clients and the services, and wires them together."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa
from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from slackbridge import metrics
from slackbridge.ai.client import AIClient
from slackbridge.ai.context import load_guidelines
from slackbridge.ai.knowledge import KnowledgeBase
from slackbridge.config import Settings, TriageSettings
from slackbridge.db import make_engine
from slackbridge.services.approval import Approval, Approvers
from slackbridge.services.care import wire_care
from slackbridge.services.cases import Cases
from slackbridge.services.casework import Casework
from slackbridge.services.compliance import Compliance
from slackbridge.services.csat import Csat
from slackbridge.services.deps import Deps
from slackbridge.services.dm_access import DmAudience
from slackbridge.services.dm_start import ContinueInDm
from slackbridge.services.dms import DirectMessages
from slackbridge.services.drafts import Drafts
from slackbridge.services.home import HomeTab
from slackbridge.services.inbox import Inbox
from slackbridge.services.ingest import Ingest
from slackbridge.services.listening import Listening
from slackbridge.services.lookups import Lookups
from slackbridge.services.notices import Notices
from slackbridge.services.ops_notices import OpsNotices
from slackbridge.services.ownership import Ownership
from slackbridge.services.reminders import Reminders
from slackbridge.services.retention import Retention
from slackbridge.services.review import Review
from slackbridge.services.routing import Routing
from slackbridge.services.saved import SavedReplies
from slackbridge.services.search import Search
from slackbridge.services.sla_clock import SlaClock
from slackbridge.services.snooze import Snooze
from slackbridge.services.spend import Spend
from slackbridge.services.stats import Stats
from slackbridge.services.suggestions import Suggestions, load_canned_replies
from slackbridge.services.triage import build_triage, resolve_rule_channels
from slackbridge.slack.gateway import SlackGateway
from slackbridge.slack.listeners import actions, ai_actions, casework, commands, dms, events, sla, views
from slackbridge.slack.surfaces import Surfaces
from slackbridge.x.client import XClient

logger = logging.getLogger(__name__)


@dataclass
class Services:
    deps: Deps
    surfaces: Surfaces  # the case cards, draft messages and Home tabs in Slack; run surfaces.sweep() often
    cases: Cases
    ingest: Ingest
    drafts: Drafts
    approvers: Approvers
    approval: Approval
    # /tweetcare, listening, assignment and the Home tab: set by services.care.wire_care
    lookups: Lookups = field(init=False)
    search: Search = field(init=False)
    casework: Casework = field(init=False)
    listening: Listening = field(init=False)
    stats: Stats = field(init=False)
    home: HomeTab = field(init=False)
    # AI suggestions and re-categorising (issue 3)
    suggestions: Suggestions = field(init=False)
    routing: Routing = field(init=False)
    # X's rule: posts deleted on X are deleted here within 24 hours
    compliance: Compliance = field(init=False)
    # service levels: the leader's scheduler, and snoozing a case's reminders
    sla: SlaClock = field(init=False)
    snooze: Snooze = field(init=False)
    # approval turns: writers' notices, review (four eyes, changes, follow-ups), approval reminders
    notices: Notices = field(init=False)
    review: Review = field(init=False)
    reminders: Reminders = field(init=False)
    # team: who has a case and who is writing on it (set by services.care.wire_care)
    ownership: Ownership = field(init=False)
    saved: SavedReplies = field(init=False)
    # retention: old post and draft text is wiped (SLACKBRIDGE_RETENTION_DAYS)
    retention: Retention = field(init=False)
    # Direct messages as cases, CSAT (issue 8)
    dms: DirectMessages = field(init=False)
    continue_dm: ContinueInDm = field(init=False)
    dm_audience: DmAudience = field(init=False)
    csat: Csat = field(init=False)
    # Operations: notices posted once across processes (polling down and back, budget), X spend
    ops_notices: OpsNotices = field(init=False)
    spend: Spend = field(init=False)


def build_slack_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15)
    # slack_sdk retries only connection errors by default; 429s carry Retry-After and are worth waiting for.
    client.retry_handlers = [
        ResendSafeConnectionRetryHandler(max_retry_count=2),
        CountedRateLimitRetryHandler(max_retry_count=3),
    ]
    return client


class CountedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's wait-and-retry on 429, counting every 429 Slack sends for /metrics."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            metrics.process().slack_rate_limited.inc()
        return super()._can_retry(state=state, request=request, response=response, error=error)


class ResendSafeConnectionRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's connection-error retries, except for a post that may already have reached Slack.

    A connection reset or a dropped answer after chat.postMessage was sent would otherwise post the
    message twice. Such a post fails to us instead, and delivery looks for it on Slack before trying
    again (its metadata carries the post's key). A refused connection sent nothing and is retried."""

    NOT_RESENDABLE = ("/chat.postMessage",)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.endswith(self.NOT_RESENDABLE) and not _refused(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def _refused(error: Exception | None) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, ConnectionRefusedError)


def build_x_client(settings: Settings) -> XClient:
    return XClient(
        api_key=settings.x_api_key,
        api_secret=settings.x_api_secret,
        access_token=settings.x_access_token,
        access_token_secret=settings.x_access_token_secret,
        bearer_token=settings.x_bearer_token,
        base_url=settings.x_api_url,
        timeout=(5.0, settings.x_timeout),
    )


def build_ai_client(settings: Settings | TriageSettings) -> AIClient | None:
    """OpenAI or any OpenAI-compatible server (OPENAI_BASE_URL); None when no key is set."""
    if not settings.openai_api_key:
        return None
    return AIClient(
        settings.openai_api_key,
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        timeout=settings.openai_timeout,
    )


def build_services(
    settings: Settings, *, engine: sa.Engine | None = None, slack_client: WebClient | None = None
) -> Services:
    # Team files are read first: a broken rules or canned replies file stops start-up, naming the entry.
    ai = build_ai_client(settings)
    triage = build_triage(settings.triage_rules_path, ai)
    canned = load_canned_replies(settings.canned_replies_path)
    deps = Deps(
        settings=settings,
        engine=engine or make_engine(settings.database_url),
        slack=SlackGateway(slack_client or build_slack_client(settings), min_interval=settings.post_interval),
        x=build_x_client(settings),
    )
    resolve_rule_channels(triage, deps.slack)  # `channel: "#billing"` in the rules becomes its ID
    surfaces = Surfaces(deps)
    cases = Cases(deps, surfaces)
    drafts = Drafts(deps, surfaces)
    approvers = Approvers(deps)
    services = Services(
        deps=deps,
        surfaces=surfaces,
        cases=cases,
        ingest=Ingest(deps, cases, triage.classify),
        drafts=drafts,
        approvers=approvers,
        approval=Approval(deps, drafts, cases, approvers),
    )
    wire_care(services)
    services.suggestions = Suggestions(
        deps,
        drafts,
        ai,
        canned=canned,
        knowledge=KnowledgeBase.load(settings.knowledge_dir),
        guidelines=load_guidelines(settings.guidelines_path),
    )
    services.routing = Routing(deps, cases, services.ingest)
    services.compliance = Compliance(deps, cases)
    services.sla = SlaClock(deps, surfaces)
    services.snooze = Snooze(deps, surfaces)
    wire_turns(services)
    services.saved.import_canned(canned)  # the canned replies file is an import, once per title
    services.retention = Retention(deps)
    services.dms = DirectMessages(deps, surfaces)
    services.continue_dm = ContinueInDm(deps, drafts)
    services.dm_audience = DmAudience(deps)
    services.csat = Csat(deps, surfaces)
    cases.on_resolved = services.csat.case_resolved
    services.ops_notices = OpsNotices(deps)
    services.spend = Spend(deps, services.ops_notices)
    return services


def wire_turns(services: Services) -> None:
    """Approval turns: one notice sender, review actions, reminders; approval asks review about four eyes."""
    services.notices = services.approval.notices
    services.review = Review(services.deps, services.drafts, services.approvers, services.notices)
    services.reminders = Reminders(services.deps, services.notices)
    services.approval.four_eyes = services.review.four_eyes_refusal


class _SkipTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when handed a client, then warns that the
    client wins on every start; it does, by design (our client carries the retry handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(_SkipTokenWarning())


def build_app(settings: Settings, services: Services, *, process_before_response: bool = False) -> App:
    """The Bolt app; listeners run on a pool big enough for slow X and model calls after the ack.

    With `process_before_response` (the inbox's dispatcher) a dispatch returns once the listener is done."""
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=services.deps.slack.client,
        process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(
            max_workers=1 if process_before_response else settings.listener_threads,
            thread_name_prefix="listener",
        ),
        # Bolt resets the level of the logger named after the app on every request: keep it off ours.
        name="slackbridge.slack.bolt",
    )
    for surface in (actions, events, views, commands, casework, sla, dms):
        surface.register(app, services)
    ai_actions.register(app, services)

    @app.error
    def handle_error(error: Exception, response: BoltResponse | None) -> BoltResponse | None:
        # Listener failures (after the ack) and payloads too broken to route both land here.
        logger.error("slack.listener_error error=%s", type(error).__name__, exc_info=error)
        if response is not None and isinstance(error, (TypeError, KeyError, ValueError, AttributeError)):
            return BoltResponse(status=400, body="malformed Slack payload")
        return None

    return app


def build_inbox(settings: Settings, services: Services) -> Inbox:
    """The store-then-acknowledge inbox, dispatching through its own copy of the app's listeners."""
    return Inbox(
        services.deps,
        build_app(settings, services, process_before_response=True),
        signing_secret=settings.slack_signing_secret,
        workers=settings.listener_threads,
        claim_seconds=settings.inbox_claim_seconds,
    )
