"""Words people read in Slack, in one place: notices after a click, refusals, explanations."""

from __future__ import annotations

CASE_GONE = "That case no longer exists."
DRAFT_GONE = "That draft no longer exists."
STALE_BUTTON = (
    "That button could not be read (it may come from an older version of slackbridge). Nothing changed."
)
LISTEN_NO_API_REPLY = (
    "This post was found by keyword listening: X does not accept API replies to posts that do not mention "
    "or quote the brand. Reply on X itself, or track a post that mentions us."
)
LISTEN_NO_SUGGESTIONS = "This post was found by keyword listening: X does not accept API replies to it."
TARGET_NOT_IN_CASE = "The post to reply to is not part of this case any more."
NOT_IN_SLACK_YET = "This case is not shown in Slack yet; try again in a moment."
DRAFT_ALREADY_SAVED = "This draft was already saved."
APPROVERS_ONLY_SEND = "Only approvers can send replies to X. Ask a manager to approve this draft."
# approval turns
FOUR_EYES = (
    "Four eyes: you wrote or last edited this draft, so another approver must approve it. Nothing was sent."
)
APPROVERS_ONLY_REVIEW = "Only approvers can request changes to a draft."
APPROVERS_ONLY_FOLLOWUP = "Only approvers can send a second reply to the same customer post."
DRAFT_CHANGED_MEANWHILE = "Someone changed this draft meanwhile: look at its latest version. Nothing changed."


def reply_rule(brand: str | None) -> str:
    """X's rule for API replies since February 2026, as the draft notes explain it."""
    return (
        f"This post does not mention @{brand}: X only accepts API replies to posts that mention or "
        "quote the brand, so it may refuse this one."
    )


def case_already(case_id: int, status: str) -> str:
    return f"Case #{case_id} is already {status}."


def case_moved(channel: str) -> str:
    return f"This case moved to <#{channel}>: write `reply:` in its thread there."


def move_failed(channel: str) -> str:
    return f"The category changed, but Slack did not post the card in <#{channel}>: it stays here."
