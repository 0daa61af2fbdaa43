"""Suggested replies: the model's drafts (or saved replies when AI is off), shown as drafts in the thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from slackbridge import messages
from slackbridge.ai.canned import CannedError, CannedReply, SavedSource, load_canned, rank_saved_replies
from slackbridge.ai.client import AIClient, AIError
from slackbridge.ai.context import SuggestionContext
from slackbridge.ai.knowledge import KnowledgeBase
from slackbridge.ai.suggest import suggest_replies
from slackbridge.ai.validate import Problem, ProblemCode, check_suggestion, link_cost_note
from slackbridge.config import ConfigError
from slackbridge.models import AuditAction, Case, CaseSource, Customer, DraftOrigin, Tweet
from slackbridge.services import audit
from slackbridge.services.cases import latest_customer_tweet
from slackbridge.services.deps import Deps
from slackbridge.services.drafts import Drafts
from slackbridge.services.outcome import DONE, Outcome, refused
from slackbridge.services.suggestion_context import approved_pairs, conversation, history_summary
from slackbridge.slack.surfaces.status import SuggestionStatus, Thread

logger = logging.getLogger(__name__)

KNOWLEDGE_PASSAGES = 3
EXAMPLES = 3


def load_canned_replies(path: Path | None) -> list[CannedReply]:
    """The team's canned replies (none unless configured); a broken file stops start-up, naming the entry."""
    if path is None:
        return []
    try:
        return load_canned(path)
    except CannedError as exc:
        raise ConfigError([f"SLACKBRIDGE_CANNED_REPLIES: {exc}"]) from None


def draft_notes(problems: list[Problem], note: str | None) -> str | None:
    """The checks' findings on a draft; the length problem is added by Drafts itself."""
    flags = [p.message for p in problems if p.code != ProblemCode.TOO_LONG]
    parts = [f"Flagged by the checks: {' '.join(flags)}"] if flags else []
    if note:
        parts.append(note)
    return " ".join(parts) or None


@dataclass(frozen=True)
class _Target:
    case_id: int
    tweet_id: str
    channel: str
    thread_ts: str
    context: SuggestionContext

    @property
    def thread(self) -> Thread:
        return Thread(self.case_id, self.channel, self.thread_ts)


class Suggestions:
    def __init__(
        self,
        deps: Deps,
        drafts: Drafts,
        ai: AIClient | None,
        *,
        canned: list[CannedReply],
        knowledge: KnowledgeBase,
        guidelines: str,
    ) -> None:
        self.deps, self.drafts, self.ai = deps, drafts, ai
        self.status = SuggestionStatus(deps)
        self.canned, self.knowledge, self.guidelines = canned, knowledge, guidelines
        self._busy: set[tuple[int, str]] = set()
        self._lock = threading.Lock()

    def suggest(
        self, case_id: int, *, user: str, tweet_id: str | None = None, status_ts: str | None = None
    ) -> Outcome:
        """Draft suggestions into the case thread (they join the approvers' Home lists as drafts)."""
        found = self._target(case_id, tweet_id)
        if isinstance(found, str):
            return refused(found)
        key = (case_id, found.tweet_id)
        with self._lock:
            if key in self._busy:
                return refused(
                    "Suggestions for this post are being drafted already: they will appear in the thread."
                )
            self._busy.add(key)
        try:
            model = self.ai.model if self.ai else None
            with self.deps.session() as session:
                audit.record(
                    session,
                    AuditAction.SUGGESTION_REQUESTED,
                    actor=user,
                    case_id=case_id,
                    tweet_id=found.tweet_id,
                    model=model,
                    mode="ai" if model else "saved",
                )
            status_ts = self.status.pending(found.thread, model, status_ts)
            if self.ai is None:
                self._offer_saved(found, user, status_ts)
            else:
                self._offer_ai(self.ai, found, user, status_ts)
        finally:
            with self._lock:
                self._busy.discard(key)
        return DONE

    def _target(self, case_id: int, tweet_id: str | None) -> _Target | str:
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None or case.id is None:
                return messages.CASE_GONE
            if case.source == CaseSource.LISTEN:
                return messages.LISTEN_NO_SUGGESTIONS
            tweet = session.get(Tweet, tweet_id) if tweet_id else latest_customer_tweet(session, case)
            if tweet is None or tweet.case_id != case_id:
                return messages.TARGET_NOT_IN_CASE
            if not case.channel_id or not case.thread_ts:
                return messages.NOT_IN_SLACK_YET
            customer = session.get(Customer, tweet.author_id)
            ctx = SuggestionContext(
                customer_username=customer.username if customer else "customer",
                tweet_text=tweet.text,
                conversation=conversation(session, case, tweet),
                history_summary=history_summary(session, case),
                guidelines=self.guidelines,
                knowledge=self.knowledge.search(tweet.text, k=KNOWLEDGE_PASSAGES),
            )
            return _Target(case.id, tweet.id, case.channel_id, case.thread_ts, ctx)

    def _examples(self, tweet_text: str) -> list[tuple[str, str]]:
        with self.deps.session() as session:
            pairs = approved_pairs(session)
        return [(m.title, m.text) for m in rank_saved_replies(tweet_text, [], pairs, k=EXAMPLES)]

    def _offer_ai(self, ai: AIClient, target: _Target, user: str, status_ts: str | None) -> None:
        ctx = replace(target.context, examples=self._examples(target.context.tweet_text))
        try:
            suggestions = suggest_replies(
                ai,
                ctx,
                allowed_domains=self.deps.settings.allowed_link_domains,
                prices=self.deps.settings.prices,
            )
        except AIError as exc:
            logger.warning("suggest.failed case=%s kind=%s", target.case_id, exc.kind)
            self.status.failed(target.thread, exc.message, target.tweet_id, status_ts)
            return
        created = flagged = 0
        problem = None
        for suggestion in suggestions:
            outcome = self.drafts.create(
                case_id=target.case_id,
                author_id=user,
                text=suggestion.text,
                in_reply_to=target.tweet_id,
                origin=DraftOrigin.AI,
                ai_model=suggestion.model,
                notes=draft_notes(list(suggestion.problems), suggestion.note),
                enforce_length=False,  # an over-long draft is shown flagged; approval refuses it until edited
            )
            if outcome.draft_id is None:
                problem = outcome.problem
                continue
            created += 1
            flagged += 0 if suggestion.ok else 1
        if created:
            self.status.drafted(target.thread, created, ai.model, flagged, status_ts)
        else:
            why = problem or "The model's drafts could not be saved."
            self.status.failed(target.thread, why, target.tweet_id, status_ts)

    def _offer_saved(self, target: _Target, user: str, status_ts: str | None) -> None:
        """AI is off: the canned and earlier approved replies most like the post, as drafts."""
        with self.deps.session() as session:
            pairs = approved_pairs(session)
        ctx = target.context
        matches = rank_saved_replies(ctx.tweet_text, self.canned, pairs, k=EXAMPLES)
        domains = self.deps.settings.allowed_link_domains
        created = 0
        for match in matches:
            origin = (
                f"canned reply '{match.title}'"
                if match.source == SavedSource.CANNED
                else (f"approved before for: {match.title[:80]}")
            )
            problems = check_suggestion(
                match.text, customer_username=ctx.customer_username, allowed_domains=domains
            )
            notes = draft_notes(problems, link_cost_note(match.text, self.deps.settings.prices))
            outcome = self.drafts.create(
                case_id=target.case_id,
                author_id=user,
                text=match.text,
                in_reply_to=target.tweet_id,
                origin=DraftOrigin.SAVED,
                notes=f"Saved reply ({origin}), {round(match.score * 100)}% match."
                + (f" {notes}" if notes else ""),
                enforce_length=False,
            )
            created += 1 if outcome.draft_id is not None else 0
        self.status.saved(target.thread, created, status_ts)
