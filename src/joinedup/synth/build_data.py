"""Build the frozen name tables in ``synth/data/names.json`` (run once by a developer), and
the deprivation lookup ``risk/data/deprivation.csv`` (``geography.write_deprivation_lookup``).

In: Faker's locale provider tables (installed package). Out: ``names.json`` mapping a name
group (``british``, ``irish``, ``polish``...) to ``male``/``female``/``surname`` lists of
``[name, weight]``. Faker gives real weights only for en_GB surnames; elsewhere we use Zipf
weights by rank (documented in docs/synthetic-data.md). The generator reads only the frozen
JSON, so output does not change when Faker is upgraded.

Usage: ``python -m joinedup.synth.build_data`` (names), ``... build_data deprivation``
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from pathlib import Path

_GROUPS = {
    # group: (male-first locales, female-first locales, surname locales)
    "british": (["en_GB"], ["en_GB"], ["en_GB"]),
    "irish": (["en_IE"], ["en_IE"], ["en_IE"]),
    "polish": (["pl_PL"], ["pl_PL"], ["pl_PL:male_last_names", "pl_PL:unisex_last_names"]),
    "romanian": (["ro_RO"], ["ro_RO"], ["ro_RO"]),
    "indian": (["en_IN"], ["en_IN"], ["en_IN"]),
    "pakistani": (["en_IN"], ["en_IN"], ["en_PK"]),
    "african": (["yo_NG", "en_NG"], ["yo_NG", "en_NG"], ["yo_NG", "en_NG"]),
    "chinese": (
        ["zh_CN:first_romanized_names"],
        ["zh_CN:first_romanized_names"],
        ["zh_CN:last_romanized_names"],
    ),
    "turkish": (["tr_TR"], ["tr_TR"], ["tr_TR"]),
}


def _table(spec: str, default_attr: str) -> list[tuple[str, float]]:
    locale, _, attr = spec.partition(":")
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attr or default_attr)
    if isinstance(values, dict):  # weighted (en_GB surnames): keep the published weights
        items = [(str(k), float(v)) for k, v in values.items()]
    else:
        # No published weights. en_GB lists are in popularity order, so rank is meaningful;
        # other locales are alphabetical, so rank by a stable hash instead (otherwise every
        # "A" name would be the commonest). Zipf weight 1/(rank+1)^0.8.
        names = [str(v) for v in values]
        if locale != "en_GB":
            names = sorted(names, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
        items = [(n, 1.0 / (i + 1) ** 0.8) for i, n in enumerate(names)]
    return [(name, round(w, 6)) for name, w in items if name.isascii() or name.isalpha()]


def build() -> dict[str, dict[str, list[list[object]]]]:
    out: dict[str, dict[str, list[list[object]]]] = {}
    for group, (male, female, surname) in _GROUPS.items():
        merged: dict[str, dict[str, float]] = {"male": {}, "female": {}, "surname": {}}
        for key, specs, attr in (
            ("male", male, "first_names_male"),
            ("female", female, "first_names_female"),
            ("surname", surname, "last_names"),
        ):
            for spec in specs:
                for name, w in _table(spec, attr):
                    if name and " " not in name:
                        merged[key][name] = merged[key].get(name, 0.0) + float(w)
        out[group] = {
            k: sorted([[n, round(w, 6)] for n, w in v.items()]) for k, v in merged.items()
        }
    return out


if __name__ == "__main__" and sys.argv[1:] == ["deprivation"]:
    from joinedup.synth.geography import write_deprivation_lookup

    write_deprivation_lookup()
elif __name__ == "__main__":
    target = Path(__file__).parent / "data" / "names.json"
    target.write_text(json.dumps(build(), sort_keys=True, separators=(",", ":")), encoding="utf-8")
    print(target, target.stat().st_size)
