"""Server-rendered pages, one module per area; each has a ``router`` (and may add
navigation entries with ``joinedup.http.navigation.add``)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from joinedup.web.pages import agreements, alerts, child, home, privacy, quality, review, signin
    from joinedup.web.pages import chronology as chronology_pages
    from joinedup.web.pages import cp_is as cp_is_pages
    from joinedup.web.pages import exchange as exchange_pages
    from joinedup.web.pages import interventions as interventions_pages
    from joinedup.web.pages import mail as mail_pages
    from joinedup.web.pages import mash as mash_pages
    from joinedup.web.pages import network as network_pages
    from joinedup.web.pages import transparency as transparency_pages
    from joinedup.web.pages import triage as triage_pages
    from joinedup.web.pages import triage_exploitation as exploitation_pages

    return [
        m.router for m in (signin, home, child, review, quality, agreements, privacy, alerts)
    ] + [
        triage_pages.router,
        exploitation_pages.router,
        mash_pages.router,
        interventions_pages.router,
        chronology_pages.router,
        mail_pages.router,
        transparency_pages.router,
        cp_is_pages.router,
        network_pages.router,
        exchange_pages.router,
    ]
