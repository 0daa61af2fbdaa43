"""Continue in DM: a first direct message to the customer of a public case, approved like any draft.

The DM case is opened (or found) at once and linked both ways; the draft waits in its thread in the
private DM channel, and the customer's answer continues there."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from slackbridge import messages
from slackbridge.models import AuditAction, Case, CaseSource, CaseStatus, Customer, Tweet, TweetSource, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import latest_customer_tweet
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import dm_case_key, is_dm
from slackbridge.services.dm_sending import check_dm_text
from slackbridge.services.drafts import DraftOutcome, Drafts
from slackbridge.slack.surfaces import card_key
from slackbridge.slack.surfaces.dm import dmlink_key
from slackbridge.x.types import XError

logger = logging.getLogger(__name__)

DMS_OFF = "Direct messages are not set up here (SLACKBRIDGE_DM_CHANNEL is empty)."
ALREADY_DM = "This case is already a direct-message conversation: reply in its thread."


def _root_id(public_case_id: int) -> str:
    return f"dmstart:{public_case_id}"


def _conversation_id(a: str, b: str) -> str:
    """X's id of a one-to-one conversation: both user ids, the smaller first."""
    if a.isdigit() and b.isdigit():
        return "-".join(sorted((a, b), key=int))
    return "-".join(sorted((a, b)))


class ContinueInDm:
    def __init__(self, deps: Deps, drafts: Drafts) -> None:
        self.deps = deps
        self.drafts = drafts

    def customer(self, case_id: int) -> str | None:
        """The @handle the first DM goes to; None when the case is gone, or a DM case already."""
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None or is_dm(case):
                return None
            customer = session.get(Customer, case.customer_id)
            return customer.username if customer else "customer"

    def start(self, case_id: int, *, author: str, text: str) -> DraftOutcome:
        """Open (or find) the customer's DM case, link it to the public case, and store the draft there."""
        if not self.deps.settings.dm_channel:
            return DraftOutcome(problem=DMS_OFF)
        check = check_dm_text(text)
        if not check.ok:
            return DraftOutcome(problem=check.problem)
        try:
            brand_id = self.deps.brand().id
        except XError as exc:
            return DraftOutcome(problem=f"X could not be reached ({exc.kind}); nothing was saved. Try again.")
        try:
            linked = self._link(case_id, brand_id, author)
        except IntegrityError:  # opened at the same moment by the poller or a second click: use theirs
            linked = self._link(case_id, brand_id, author)
        if isinstance(linked, str):
            return DraftOutcome(problem=linked)
        dm_case_id, target_id = linked
        self.drafts.surfaces.show(dmlink_key(case_id), card_key(case_id))
        return self.drafts.create(case_id=dm_case_id, author_id=author, text=text, in_reply_to=target_id)

    def _link(self, case_id: int, brand_id: str, author: str) -> tuple[int, str] | str:
        with self.deps.session() as session:
            public = session.get(Case, case_id)
            if public is None:
                return messages.CASE_GONE
            if is_dm(public):
                return ALREADY_DM
            key = dm_case_key(public.customer_id)
            dm = session.exec(select(Case).where(Case.conversation_id == key)).first()
            if dm is None:
                dm = self._open(session, public, key, brand_id)
            assert dm.id is not None and public.id is not None
            public.linked_case_id = dm.id
            dm.linked_case_id = dm.linked_case_id or public.id
            session.add_all([public, dm])
            audit.record(
                session, AuditAction.CASE_CONTINUED_IN_DM, actor=author, case_id=public.id, dm_case=dm.id
            )
            self.drafts.surfaces.touch(session, dmlink_key(public.id), card_key(public.id), card_key(dm.id))
            target = latest_customer_tweet(session, dm) or session.get(Tweet, dm.root_tweet_id)
            assert target is not None
            return dm.id, target.id

    def _open(self, session: Session, public: Case, key: str, brand_id: str) -> Case:
        """A DM case before any DM exists: its card starts from a note of ours naming the public case."""
        assert public.id is not None
        root = session.get(Tweet, _root_id(public.id))
        if root is None:
            root = Tweet(
                id=_root_id(public.id),
                author_id=brand_id,
                conversation_id=key,
                text=f"Moved here from public case #{public.id} to continue in private.",
                created_at=utcnow(),
                source=TweetSource.DM_OURS,
            )
            session.add(root)
        dm = Case(
            conversation_id=key,
            root_tweet_id=root.id,
            customer_id=public.customer_id,
            source=CaseSource.DM,
            status=CaseStatus.OPEN,
            channel_id=self.deps.settings.dm_channel,
            dm_conversation_id=_conversation_id(public.customer_id, brand_id),
            linked_case_id=public.id,
        )
        session.add(dm)
        session.flush()
        root.case_id = dm.id
        session.add(root)
        audit.record(
            session, AuditAction.CASE_OPENED, case_id=dm.id, tweet_id=root.id, dm=True, continues=public.id
        )
        return dm
