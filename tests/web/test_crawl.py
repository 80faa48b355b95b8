"""Every page each role can reach renders: in a real browser, each demo account signs in,
declares each purpose its role may declare (where the purpose page asks), and crawls from
its navigation (``web.navigation.ITEMS``) through the links on those pages, two levels deep,
following GET links to this site only. No page may answer with a server error; any that
does is reported by its address.

The store is a copy of the demo-like shared store with what makes the pages with ids
reachable by link: an alert for every practitioner (the alert page, and the child it is
about), the risk model trained and scored (the triage list and a child's explanation),
open clerical review items and a break-glass grant waiting for review."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, insert, select

from joinedup.governance.access import AccessRequest
from joinedup.governance.emergency import break_glass
from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import PRACTITIONER_ROLES, Role
from joinedup.http import navigation
from joinedup.services import risk
from joinedup.store.alert_tables import alert
from joinedup.store.linkage_tables import linkage_review
from joinedup.store.tables import person
from tests.support.webapp import LiveApp, served_copy, sign_in

DEPTH = 2  # links followed from the navigation's pages, and from the pages they lead to
PER_SHAPE = 2  # pages visited per address shape (/alerts/{n}, /triage?factor=...)
NEVER = ("/static/", "/logout", "/auth/oidc/")


@pytest.fixture(scope="module")
def crawled_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "crawl") as app:
        engine = app.engine
        trained = risk.train_risk_model(engine, seed=3)
        as_of = date.fromisoformat(trained["trained_through"])
        risk.score_children(engine, as_of=as_of.replace(year=as_of.year + 1))
        with engine.begin() as connection:
            children = connection.execute(select(person.c.id).order_by(person.c.id).limit(5))
            child_ids = list(children.scalars())
            for n, role in enumerate(sorted(PRACTITIONER_ROLES)):
                raise_alert(connection, app.users[role.value], child_ids[n % len(child_ids)])
            open_items = connection.execute(
                select(func.count()).where(linkage_review.c.status == "OPEN")
            ).scalar_one()
            assert open_items, "the shared store has clerical review items to crawl"
            mash = app.users[Role.MASH_PRACTITIONER.value]
            break_glass(
                connection,
                AccessRequest.build(
                    user_id=mash["username"],
                    role=Role.MASH_PRACTITIONER.value,
                    agency=mash["agency"],
                    purpose="MASH_TRIAGE",
                    child_id=child_ids[0],
                    fields=["health.encounters"],
                ),
                "Police report a child alone overnight; checking for an open plan now.",
            )
        yield app


def raise_alert(connection: Any, user: dict[str, Any], child: str) -> None:
    now = datetime.now(UTC)
    connection.execute(
        insert(alert).values(
            rule_id="CP_IS", rule_version=1, dedup_key=f"CP_IS|{child}|crawl|{user['username']}",
            child_person_id=child, occurred_at=now, raised_at=now,
            due_at=now + timedelta(hours=1), level=0, recipient_kind="LEAD",
            recipient_agency=user["agency"], recipient_key=user["practitioner_key"],
            recipient_name=user["display_name"], purpose="LEAD_PRACTITIONER_CASEWORK",
            shared=True, title="Unscheduled care for a child on a plan",
            content={"child_id": child, "what_happened": "Seen in urgent care",
                     "contact": {"name": "Health", "email": "h@example.test"},
                     "where_to_look": "the single view"},
            occurrences=1, status="OPEN",
        )
    )  # fmt: skip


def shape(url: str) -> str:
    """An address with its ids and query values taken out: /alerts/{} or /triage?factor."""
    parts = urlsplit(url)
    path = re.sub(r"/[^/]*\d[^/]*", "/{}", parts.path)
    names = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(names) if names else "")


@dataclass
class Crawl:
    origin: str
    visited: dict[str, int] = field(default_factory=dict)  # address -> status
    shapes: Counter[str] = field(default_factory=Counter)

    def wanted(self, url: str) -> bool:
        url = urldefrag(url).url
        path = url.removeprefix(self.origin)
        return (
            url.startswith(self.origin + "/")
            and url not in self.visited
            and not path.startswith(NEVER)
            and self.shapes[shape(url)] < PER_SHAPE
        )

    def visit(self, page: Any, url: str) -> list[str]:
        """Open ``url``; its status is kept, and the links on it returned."""
        url = urldefrag(url).url
        self.shapes[shape(url)] += 1
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a download (a file, not a page) is not navigated
            if "Download is starting" not in str(error):
                raise
            self.visited[url] = page.context.request.get(url).status
            return []
        self.visited[url] = response.status if response else 0
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return []
        self.inspect(page, url)
        links: list[str] = page.eval_on_selector_all("a[href]", "all => all.map(a => a.href)")
        return links

    def inspect(self, page: Any, url: str) -> None:
        """Called on each page visited (the accessibility crawl checks it)."""


def crawl_as(
    browser: Any, app: LiveApp, role: Role, purpose: str | None, crawl: Crawl | None = None
) -> Crawl:
    context = browser.new_context(base_url=app.url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    crawl = crawl or Crawl(app.url)
    try:
        sign_in(page, app.username(role.value))
        if purpose:
            expect(page).to_have_url(re.compile(r"/purpose"))
            crawl.inspect(page, page.url)
            page.get_by_label(PURPOSES[purpose].title, exact=True).check()
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
        shown = (
            page.get_by_test_id("home-actions")
            .locator("a")
            .evaluate_all("all => all.map(a => a.getAttribute('href'))")
        )
        items = [item.href for item in navigation.ITEMS if role in item.roles]
        assert shown == items, "the home page lists the role's navigation"
        level = [f"{app.url}{href}" for href in items]
        for depth in range(DEPTH + 1):
            found = []
            for url in level:
                if crawl.wanted(url):
                    links = crawl.visit(page, url)
                    found += links if depth < DEPTH else []
            level = found
        return crawl
    finally:
        context.close()


def test_every_page_each_role_reaches_renders(browser: Any, crawled_app: LiveApp) -> None:
    failures, seen = [], set()
    for role in Role:
        for purpose in [p.value for p in purposes_for(role.value)] or [None]:
            crawl = crawl_as(browser, crawled_app, role, purpose)
            assert len(crawl.visited) >= 3, (role, purpose, crawl.visited)
            seen.update(shape(url) for url in crawl.visited)
            failures += [
                f"{status} {url.removeprefix(crawled_app.url)} ({role.value}, {purpose})"
                for url, status in crawl.visited.items()
                if status >= 500 or status == 0
            ]
    assert not failures, "server errors:\n" + "\n".join(failures)
    # The pages with ids were reached by following links.
    for page_with_id in ("/alerts/{}", "/review/{}", "/people/{}", "/triage/{}"):
        assert page_with_id in seen, f"{page_with_id} never reached: {sorted(seen)}"
