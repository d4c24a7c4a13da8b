"""Sections other apps add to a page they do not own.

An app lower down (DESIGN.md: households ← contact ← ledgers) cannot import
the apps above it, so they register a function taking (request, obj) and
returning rendered HTML, for a named slot, when they load:

- "household": a household's page (its contact card, its timeline, its ledger entries);
- "visit": a visit's page (the ledger entries raised from it);
- "home": the signed-in user's home page (obj is the user; returned ledger entries).
"""

from collections import defaultdict
from collections.abc import Callable

_panels: dict[str, list[Callable]] = defaultdict(list)


def register_panel(slot: str) -> Callable:
    def register(panel: Callable) -> Callable:
        if panel not in _panels[slot]:
            _panels[slot].append(panel)
        return panel

    return register


def render_panels(slot: str, request, obj) -> list[str]:
    return [html for panel in _panels[slot] if (html := panel(request, obj))]


def register_detail_panel(panel: Callable) -> Callable:
    return register_panel("household")(panel)


def render_detail_panels(request, household) -> list[str]:
    return render_panels("household", request, household)
