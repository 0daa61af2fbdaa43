"""An approver's other answers to a draft: four eyes, request changes (with a reason), send as follow-up."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, update

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
            draft, problem = _transition(
                session,
                draft_id,
                expected_version,
                col(Draft.status).in_([DraftStatus.PENDING, DraftStatus.FAILED]),
                col(Draft.error_ambiguous).is_(False),
                status=DraftStatus.CHANGES_REQUESTED,
                changes_requested_by=user,
                changes_reason=reason,
            )
            if draft is None:
                return refused(problem)
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
            draft, problem = _transition(
                session,
                draft_id,
                expected_version,
                col(Draft.status) == DraftStatus.SUPERSEDED,
                status=DraftStatus.PENDING,
                followup=True,
            )
            if draft is None:
                return refused(problem)
            audit.record(
                session, AuditAction.DRAFT_FOLLOWUP, actor=user, case_id=draft.case_id, draft_id=draft_id
            )
            self.drafts.surfaces.touch(session, draft_key(draft_id), *homes)
        self.drafts.surfaces.show(draft_key(draft_id), *homes)
        return DONE


def _transition(
    session: Session, draft_id: int, expected_version: int, *where: ColumnElement[bool], **values: object
) -> tuple[Draft | None, str]:
    """Move the draft on only from the state the clicker saw (a conditional update); the draft, or why not."""
    changed = session.execute(
        update(Draft)
        .where(col(Draft.id) == draft_id, col(Draft.version) == expected_version, *where)
        .values(**values, version=Draft.version + 1, updated_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    draft = session.get(Draft, draft_id)
    if draft is None:
        return None, messages.DRAFT_GONE
    if not changed:
        return None, messages.DRAFT_CHANGED_MEANWHILE
    session.refresh(draft)
    return draft, ""


__all__ = ["OPEN", "REASON_LIMIT", "Review"]
