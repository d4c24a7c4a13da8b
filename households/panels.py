"""Sections other apps add to a household's page (its contact card, its timeline).

This app does not know them; `contact` and `ledgers` register a function
taking (request, household) and returning rendered HTML when they load.
"""

from collections.abc import Callable

_panels: list[Callable] = []


def register_detail_panel(panel: Callable) -> Callable:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render_detail_panels(request, household) -> list[str]:
    return [panel(request, household) for panel in _panels]
