"""The service navigation: each page module adds its entries with ``add``; the header shows
the entries the signed-in account's role may use (the home page lists them with what
they are for)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joinedup.governance.roles import Role


@dataclass(frozen=True, slots=True)
class NavItem:
    title: str
    href: str
    roles: frozenset[Role]
    description: str
    order: int = 50


ITEMS: list[NavItem] = []


def add(
    title: str, href: str, roles: list[Role] | tuple[Role, ...], description: str, order: int = 50
) -> None:
    if all(item.href != href for item in ITEMS):
        ITEMS.append(NavItem(title, href, frozenset(roles), description, order))
        ITEMS.sort(key=lambda item: (item.order, item.title))


def allowed(session: Any) -> list[NavItem]:
    if session is None:
        return []
    role = Role(session.account.role)
    return [item for item in ITEMS if role in item.roles]


def items_for(session: Any, path: str) -> list[dict[str, Any]]:
    """govukServiceNavigation items, the current page marked active."""
    return [
        {
            "href": item.href,
            "text": item.title,
            "active": path == item.href or path.startswith(item.href + "/"),
        }
        for item in allowed(session)
    ]
