"""Wires the /tweetcare, listening, assignment and Home services onto the Services container."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slackbridge.services.audit import SYSTEM
from slackbridge.services.casework import Casework
from slackbridge.services.home import HomeTab
from slackbridge.services.links import ThreadLinks
from slackbridge.services.listening import Listening
from slackbridge.services.lookups import Lookups
from slackbridge.services.ownership import Ownership
from slackbridge.services.saved import SavedReplies
from slackbridge.services.search import Search
from slackbridge.services.stats import Stats

if TYPE_CHECKING:
    from slackbridge.app import Services


def wire_care(services: Services) -> None:
    deps = services.deps
    links = ThreadLinks(deps.slack)
    services.lookups = Lookups(deps, links)
    services.search = Search(deps, links)
    services.casework = Casework(deps, services.cases, services.ingest)
    services.ownership = Ownership(deps, services.surfaces)
    services.saved = SavedReplies(deps, services.approvers)
    services.ingest.promote_listening = lambda case_id: services.casework.track_case(case_id, user=SYSTEM)
    services.listening = Listening(deps, services.ingest, services.approvers)
    services.stats = Stats(deps)
    services.home = HomeTab(deps, services.lookups, services.stats, services.approvers, services.surfaces)
