"""The audit trail: one row per change of state, written in the same transaction as the change."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from slackbridge.models import AuditAction, AuditLog

SYSTEM = "system"


def record(
    session: Session,
    action: AuditAction,
    *,
    actor: str = SYSTEM,
    case_id: int | None = None,
    draft_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            case_id=case_id,
            draft_id=draft_id,
            detail=json.dumps(detail, default=str, ensure_ascii=False),
        )
    )
