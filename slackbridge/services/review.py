"""An approver's other answers to a draft: four eyes, request changes (with a reason), send as follow-up."""

from __future__ import annotations

from sqlmodel import col, update

from slackbridge import messages
from slackbridge.models import AuditAction, Draft, DraftStatus, utcnow
from slackbridge.services import audit
from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.drafts import Drafts
from slackbridge.services.notices import Notices
from slackbridge.services.outcome import DONE, Outcome, refused
from slackbridge.services.turns import OPEN, tell_writer
from slackbridge.slack.surfaces import draft_key
from slackbridge.text import clean_text

REASON_LIMIT = 300  # shown on the draft and in the writer's notice: a short reason, not an essay


class Review:
    def __init__(self, deps: Deps, drafts: Drafts, approvers: Approvers, notices: Notices) -> None:
        self.deps = deps
        self.drafts = drafts
        self.approvers = approvers
        self.notices = notices

    def four_eyes_refusal(self, draft_id: int, user: str) -> str | None:
        """With four eyes on, whoever wrote or last edited a draft cannot approve it (audited)."""
        if not self.deps.settings.four_eyes:
            return None
        with self.deps.session() as session:
            draft = session.get(Draft, draft_id)
            if draft is None or user not in {draft.author_id, draft.edited_by}:
                return None
            audit.record(
                session,
                AuditAction.APPROVAL_DENIED,
                actor=user,
                case_id=draft.case_id,
                draft_id=draft_id,
                reason="four_eyes",
            )
        return messages.FOUR_EYES

    def may_review(self, user: str) -> bool:
        return self.approvers.is_approver(user)

    def request_changes(self, draft_id: int, *, user: str, reason: str, expected_version: int) -> Outcome:
        """Send a draft back to its writer with a reason; an edit brings it back for approval."""
        if not self.approvers.is_approver(user):
            return refused(messages.APPROVERS_ONLY_REVIEW)
        reason = clean_text(reason).strip()[:REASON_LIMIT]
        if not reason:
            return refused("Say briefly what should change.")
        homes = self.drafts.surfaces.approver_homes()  # it leaves their approval lists
        with self.deps.session() as session:
            changed = session.execute(
                update(Draft)
                .where(
                    col(Draft.id) == draft_id,
                    col(Draft.status).in_([DraftStatus.PENDING, DraftStatus.FAILED]),
                    col(Draft.error_ambiguous).is_(False),
                    col(Draft.version) == expected_version,
                )
                .values(
                    status=DraftStatus.CHANGES_REQUESTED,
                    changes_requested_by=user,
                    changes_reason=reason,
                    version=Draft.version + 1,
                    updated_at=utcnow(),
                )
            ).rowcount  # type: ignore[attr-defined]
            draft = session.get(Draft, draft_id)
            if draft is None:
                return refused(messages.DRAFT_GONE)
            if not changed:
                return refused(messages.DRAFT_CHANGED_MEANWHILE)
            session.refresh(draft)
            audit.record(
                session, AuditAction.CHANGES_REQUESTED, actor=user, case_id=draft.case_id, draft_id=draft_id
            )
            tell_writer(
                session,
                draft,
                f"rejected:{draft_id}:{draft.version}",
                f"needs changes, asked by <@{user}>: “{reason}”. Edit it to bring it back for approval",
                actor=user,
            )
            self.drafts.surfaces.touch(session, draft_key(draft_id), *homes)
        self.drafts.surfaces.show(draft_key(draft_id), *homes)
        self.notices.deliver()
        return DONE

    def send_as_followup(self, draft_id: int, *, user: str, expected_version: int) -> Outcome:
        """Re-open a superseded draft for approval as a deliberate second reply in its turn."""
        if not self.approvers.is_approver(user):
            return refused(messages.APPROVERS_ONLY_FOLLOWUP)
        homes = self.drafts.surfaces.approver_homes()
        with self.deps.session() as session:
            changed = session.execute(
                update(Draft)
                .where(
                    col(Draft.id) == draft_id,
                    col(Draft.status) == DraftStatus.SUPERSEDED,
                    col(Draft.version) == expected_version,
                )
                .values(
                    status=DraftStatus.PENDING,
                    followup=True,
                    version=Draft.version + 1,
                    updated_at=utcnow(),
                )
            ).rowcount  # type: ignore[attr-defined]
            draft = session.get(Draft, draft_id)
            if draft is None:
                return refused(messages.DRAFT_GONE)
            if not changed:
                return refused(messages.DRAFT_CHANGED_MEANWHILE)
            audit.record(
                session, AuditAction.DRAFT_FOLLOWUP, actor=user, case_id=draft.case_id, draft_id=draft_id
            )
            self.drafts.surfaces.touch(session, draft_key(draft_id), *homes)
        self.drafts.surfaces.show(draft_key(draft_id), *homes)
        return DONE


__all__ = ["OPEN", "REASON_LIMIT", "Review"]
