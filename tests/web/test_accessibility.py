"""Every page each role reaches is accessible and fits a phone: in a real browser, each demo
account (under each purpose its role may declare) walks the pages its navigation leads to,
as the crawl in ``test_crawl.py`` does (two levels of links deep, on the same store: alerts,
a scored triage list, clerical review items, a break-glass grant waiting for review), and on
each page, the purpose page and the sign-in page:

- axe-core (vendored, ``tests/support/vendor/axe-core``), at a desktop's width and at a
  phone's, finds no ``serious`` or ``critical`` violation of the WCAG 2.2 A/AA rules or
  axe's best practices; ``moderate`` and ``minor`` ones are printed (``pytest -rP`` shows
  them) but do not fail;
- at a 390 px wide viewport (a phone) the page does not scroll sideways.

The walk must include a child's single view and the triage explanation page. One walk per
role (its purposes show the same templates): the crawl in ``test_crawl.py`` still walks every
role under every purpose for server errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import expect

from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import Role
from tests.support.axe import BLOCKING, Violation, violations
from tests.support.webapp import LiveApp, sign_in
from tests.web.test_crawl import Crawl, crawl_as, crawled_app, shape  # noqa: F401 (fixture)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # an iPhone 12 to 15's CSS width
# Forms a person fills in (not sign-out, not a lone button such as "Acknowledge").
FORMS = "main form:has(input:not([type=hidden]):not([type=submit]), textarea, select)"
SUBMIT = "button[type=submit], button:not([type]), input[type=submit]"
# The pages with ids each walk must have checked (what its navigation leads to).
MUST_REACH = {
    (Role.MASH_PRACTITIONER, "MASH_TRIAGE"): ("/people/{}", "/triage/{}", "/alerts/{}"),
    (Role.SOCIAL_WORKER, "LEAD_PRACTITIONER_CASEWORK"): ("/people/{}", "/alerts/{}"),
    (Role.PRIVACY_OFFICER, "AUDIT"): (),
}


def _purpose_walked(role: Role) -> str | None:
    """One walk per role (a role's purposes show the same templates; the crawl in
    ``test_crawl.py`` walks every role under every purpose for server errors): the purpose
    whose pages must be reached, or the role's first."""
    purposes = [p.value for p in purposes_for(role.value)]
    named = [purpose for (r, purpose) in MUST_REACH if r == role]
    return (named or purposes or [None])[0]


WALKS = [(role, _purpose_walked(role)) for role in Role]


@dataclass
class CheckedCrawl(Crawl):
    """The crawl, checking each page it opens with axe and at a phone's width."""

    found: dict[Violation, list[str]] = field(default_factory=lambda: defaultdict(list))
    too_wide: dict[str, int] = field(default_factory=dict)  # address -> page width at 390 px
    checked: set[str] = field(default_factory=set)  # address shapes
    with_forms: dict[str, str] = field(default_factory=dict)  # shape -> an address of it
    role: str = ""

    def inspect(self, page: Any, url: str) -> None:
        address = url.removeprefix(self.origin)
        self.checked.add(shape(url))
        if page.locator(FORMS).count():
            self.with_forms.setdefault(shape(url), address)
        # axe runs once per kind of page and role in a test process: a role's other purposes
        # show the same templates (their width is still measured on every walk). This keeps
        # the 17 walks inside CI's time; a violation still fails the first walk that meets it.
        axe = (self.role, shape(url)) not in _axed
        _axed.add((self.role, shape(url)))
        if axe:
            for violation in violations(page):
                self.found[violation].append(address)
        page.set_viewport_size(PHONE)  # the service navigation folds into a menu button
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.too_wide[address] = width
        if axe:
            for violation in violations(page):
                self.found[violation].append(f"{address} at {PHONE['width']} px")
        page.set_viewport_size(DESKTOP)


_axed: set[tuple[str, str]] = set()  # (role, kind of page) already checked by axe
_sent: set[tuple[str, str]] = set()  # (role, kind of page) whose forms were already sent


_walked: dict[tuple[Role, str | None], CheckedCrawl] = {}


def walked(browser: Any, app: LiveApp, role: Role, purpose: str | None) -> CheckedCrawl:
    """The role's checked walk, once per test process (the axe and phone tests share it)."""
    if (role, purpose) not in _walked:
        crawl = CheckedCrawl(app.url, role=role.value)
        sign_in_page = browser.new_page(base_url=app.url, viewport=DESKTOP)
        try:
            sign_in_page.goto("/login")
            crawl.inspect(sign_in_page, sign_in_page.url)
        finally:
            sign_in_page.close()
        _walked[role, purpose] = crawl_as(browser, app, role, purpose, crawl)
    return _walked[role, purpose]


@pytest.fixture(scope="module")
def walks() -> Iterator[None]:
    yield
    _walked.clear()
    _axed.clear()
    _sent.clear()


def walk_id(walk: tuple[Role, str | None]) -> str:
    return f"{walk[0].value}-{walk[1] or 'no-purpose'}"


@pytest.mark.parametrize(("role", "purpose"), WALKS, ids=[walk_id(w) for w in WALKS])
def test_no_serious_or_critical_accessibility_violations(
    browser: Any,
    crawled_app: LiveApp,  # noqa: F811 (the fixture imported above)
    walks: None,
    role: Role,
    purpose: str | None,
) -> None:
    crawl = walked(browser, crawled_app, role, purpose)
    for must in MUST_REACH.get((role, purpose), ()):
        assert must in crawl.checked, f"{must} not checked: {sorted(crawl.checked)}"
    lines = {
        impact: [
            f"{violation}\n    on {', '.join(sorted(set(pages))[:5])}"
            for violation, pages in crawl.found.items()
            if violation.impact == impact
        ]
        for impact in ("critical", "serious", "moderate", "minor")
    }
    print(f"{len(crawl.checked)} kinds of page checked ({role.value}, {purpose}):")
    for impact in ("moderate", "minor"):
        print("\n".join(lines[impact]))
    blocking = [line for impact in BLOCKING for line in lines[impact]]
    assert not blocking, "axe found:\n" + "\n".join(blocking)


@pytest.mark.parametrize(("role", "purpose"), WALKS, ids=[walk_id(w) for w in WALKS])
def test_no_page_scrolls_sideways_on_a_phone(
    browser: Any,
    crawled_app: LiveApp,  # noqa: F811 (the fixture imported above)
    walks: None,
    role: Role,
    purpose: str | None,
) -> None:
    crawl = walked(browser, crawled_app, role, purpose)
    wide = [f"{width} px: {address}" for address, width in sorted(crawl.too_wide.items())]
    assert not wide, f"wider than a {PHONE['width']} px phone:\n" + "\n".join(wide)


def signed_in(browser: Any, app: LiveApp, role: Role, purpose: str | None) -> Any:
    """A page signed in as the role's demo account under ``purpose`` (its context is
    closed by the caller)."""
    context = browser.new_context(base_url=app.url, viewport=DESKTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, app.username(role.value))
    if purpose:
        page.get_by_label(PURPOSES[purpose].title, exact=True).check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    return page


@pytest.mark.parametrize(("role", "purpose"), WALKS, ids=[walk_id(w) for w in WALKS])
def test_forms_sent_empty_answer_accessibly(
    browser: Any,
    crawled_app: LiveApp,  # noqa: F811 (the fixture imported above)
    walks: None,
    role: Role,
    purpose: str | None,
) -> None:
    """Each form on the pages the walk found (one page of each kind), sent as it stands, as
    far as the browser lets it go: what comes back (an error summary, a refusal, the
    result) has no serious or critical violation either. The sign-in form with a wrong
    password and the purpose form with nothing chosen come back with their errors."""
    crawl = walked(browser, crawled_app, role, purpose)
    found: dict[Violation, list[str]] = defaultdict(list)
    page = signed_in(browser, crawled_app, role, purpose)
    try:
        for kind, address in sorted(crawl.with_forms.items()):
            if (role.value, kind) in _sent:
                continue  # this role's forms on this kind of page were sent under another purpose
            _sent.add((role.value, kind))
            page.goto(address)
            for n in range(page.locator(FORMS).count()):
                if n:
                    page.goto(address)
                form = page.locator(FORMS).nth(n)
                if not form.locator(SUBMIT).first.is_visible():
                    continue  # folded away (in a closed <details>): a person opens it first
                if not form.evaluate("form => form.checkValidity()"):
                    continue  # the browser stops it: a required field is empty
                with page.expect_navigation():
                    form.locator(SUBMIT).first.click()
                for violation in violations(page):
                    found[violation].append(f"{kind} (form {n + 1})")
        if purpose:  # an administrator has no purpose to choose
            page.goto("/purpose")
            page.get_by_role("button", name="Continue").click()
            for violation in violations(page):
                found[violation].append("/purpose with nothing chosen")
        page.context.clear_cookies()
        sign_in(page, crawled_app.username(role.value), password="not the password")
        for violation in violations(page):
            found[violation].append("/login with a wrong password")
    finally:
        page.context.close()
    blocking = [
        f"{violation}\n    after sending {', '.join(sorted(set(where))[:5])}"
        for violation, where in found.items()
        if violation.impact in BLOCKING
    ]
    assert not blocking, "axe found:\n" + "\n".join(blocking)
