"""What every page's form does when posted: run its action and go on (303) to the page that
says it is done; or, when the action is refused (bad input, a conflict, ...), show the page
again with the problem and what was typed (the GOV.UK error pattern), answered with the
refusal's status."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import RedirectResponse, Response

from joinedup.errors import BadInput, Conflict, JoinedUpError

REFUSALS: tuple[type[JoinedUpError], ...] = (BadInput, Conflict)


def act_or_show_again(
    action: Callable[[], object],
    done: str,
    show_again: Callable[[JoinedUpError], Response],
    refusals: tuple[type[JoinedUpError], ...] = REFUSALS,
) -> Response:
    """``action()``, then a redirect to ``done``; ``show_again(problem)`` when it raises one
    of ``refusals`` (any other error is the app's to answer)."""
    try:
        action()
    except refusals as problem:
        return show_again(problem)
    return RedirectResponse(done, status_code=303)
