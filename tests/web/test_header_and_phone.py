"""Who is signed in, readable; and every page a role navigates to fits a phone (issue 19,
finding 9).

Before: the signed-in name was drawn in #0b0c0c on the #0b0c0c header (``govuk-body`` set the
text colour over the header's white), a long display name floated "Sign out" above the
service's name, and at a 390 px phone width the single view was 663 px wide.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.services import accounts
from tests.support.webapp import LiveApp, sign_in

PHONE = {"width": 390, "height": 844}


def _colour(page: Any, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))


def _header_background(page: Any) -> str:
    """The first opaque background behind the signed-in name."""
    return str(
        page.eval_on_selector(
            "[data-testid=who]",
            """e => { for (let n = e; n; n = n.parentElement) {
                 const c = getComputedStyle(n).backgroundColor;
                 if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; }
               return 'rgb(255, 255, 255)'; }""",
        )
    )


def _declare(page: Any, title: str) -> None:
    page.goto("/purpose")
    page.get_by_label(title).check()
    page.get_by_role("button", name="Continue").click()


def test_the_signed_in_name_is_readable_on_the_header(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    page.goto("/")
    who = page.get_by_test_id("who")
    expect(who).to_be_visible()
    expect(who).to_contain_text(live_app.users["SOCIAL_WORKER"]["display_name"])
    foreground = _colour(page, "[data-testid=who]", "color")
    assert foreground != _header_background(page), foreground
    assert foreground == "rgb(255, 255, 255)", foreground  # white on the black header
    expect(who).to_contain_text("Social worker")  # the role's title, not its code
    expect(who).to_contain_text("Children's social care")


def test_a_very_long_name_keeps_sign_out_beside_or_below_the_service_name(
    page: Any, live_app: LiveApp
) -> None:
    username = f"long-{uuid.uuid4().hex[:8]}"
    long_name = "Bartholomew-Maximilian Featherstonehaugh-Cholmondeley-Wolstenholme " * 2
    accounts.add_user(
        live_app.engine,
        username=username,
        role="PARTNERSHIP_ANALYST",
        agency="social_care",
        display_name=long_name.strip(),
        password=DEMO_PASSWORD,
    )
    for width in (1280, PHONE["width"]):
        page.set_viewport_size({"width": width, "height": 800})
        sign_in(page, username)
        page.goto("/")
        brand = page.get_by_role("link", name="joinedup", exact=True).bounding_box()
        sign_out = page.get_by_role("button", name="Sign out").bounding_box()
        assert brand is not None and sign_out is not None
        assert sign_out["y"] >= brand["y"], (width, brand, sign_out)
        expect(page.get_by_test_id("who")).to_contain_text(long_name.strip()[:40])
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= width, (width, width_used)
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/login"))


def _navigation_pages(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "nav[aria-label='Main menu'] a, [data-testid=home-actions] a",
        "links => links.map(a => a.getAttribute('href'))",
    )
    return sorted({h for h in hrefs if h and h.startswith("/")})


def _too_wide(page: Any, live_app: LiveApp, paths: list[str]) -> dict[str, int]:
    wide = {}
    for path in paths:
        page.goto(path)
        used = page.evaluate("document.documentElement.scrollWidth")
        if used > PHONE["width"]:
            wide[path] = used
    return wide


def _involved_children(live_app: LiveApp, role: str, limit: int = 12) -> list[str]:
    """Children the demo practitioner of ``role`` is involved with (their caseload)."""
    user = live_app.users[role]
    with live_app.engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "select distinct lr.person_id from involvement i join linkage_record lr"
                    " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                    " where i.agency_id = :agency and i.practitioner_key = :key"
                    " order by lr.person_id limit :limit"
                ),
                {"agency": user["agency"], "key": user["practitioner_key"], "limit": limit},
            ).scalars()
        )


def test_every_page_a_social_worker_reaches_fits_a_phone(page: Any, live_app: LiveApp) -> None:
    """At 390 px: the home page, every page of the navigation and the single view of each of
    the first children of the social worker's caseload (some were 613 to 740 px wide: a
    school's long email address, record numbers keeping a table from narrowing)."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    _declare(page, "Lead practitioner casework")
    page.goto("/")
    children = [f"/people/{p}" for p in _involved_children(live_app, "SOCIAL_WORKER")]
    assert children
    assert _too_wide(page, live_app, ["/", *_navigation_pages(page), *children]) == {}


def test_every_page_a_mash_practitioner_reaches_fits_a_phone(page: Any, live_app: LiveApp) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_app.username("MASH_PRACTITIONER"))
    _declare(page, "MASH triage")
    paths = ["/", *_navigation_pages(page)]
    page.goto("/triage")
    first = page.locator("a[href^='/people/'], a[href^='/triage/']").first
    if first.count():
        paths.append(str(first.get_attribute("href")))
    assert _too_wide(page, live_app, paths) == {}
