"""Exchange between partnerships (issue 24): where the partners file is
([docs/exchange.md](docs/exchange.md#exchange))."""

from __future__ import annotations

from pathlib import Path

from joinedup.config.base import Group, variable


class ExchangeSettings(Group):
    partners_file: Path | None = variable(
        "JOINEDUP_EXCHANGE_PARTNERS",
        None,
        "A YAML file naming this partnership and its exchange partners: each partner's URL, "
        "the secret the two share for discovery and the partner's Ed25519 public keys",
        shown="unset: no exchange",
    )
