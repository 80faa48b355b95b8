"""Benchmark the policy decision point; prints one JSON object.

Three runs over the same stream of requests (plausible requests: a practitioner's own
agency, a purpose their role may declare, a relationship, 6-12 fields of a child's record,
every request a different user and child):

- ``uncached``: both caches off; every field class of every request is evaluated by Cedar.
- ``cold``: a fresh PDP (empty caches) meets each request once: the decision cache never hits,
  the field-class cache warms as contexts recur (as they do in a partnership: a few hundred
  role/agency/purpose/relationship contexts, thousands of users and children).
- ``cached``: the same requests again (decision cache hits).

``decisions_per_s`` counts requests (each a whole field mask); ``cedar_evaluations_per_s``
counts Cedar authorisation calls (one per field class); the ``_per_cpu_s`` figures divide by
the process's CPU time, which is what one uncontended core would do. Run:
``python bench/bench_policy.py``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from datetime import date

from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import shipped_agreements
from joinedup.governance.catalogue import FIELDS
from joinedup.governance.pdp import PolicyDecisionPoint
from joinedup.governance.purposes import PURPOSES, Relationship
from joinedup.governance.roles import PRACTITIONER_ROLES, ROLE_RULES, Role

TODAY = date(2026, 11, 21)
N = 4000


def workload(n: int, seed: int = 7) -> list[AccessRequest]:
    rng = random.Random(seed)
    fields = sorted(FIELDS)
    roles = sorted(PRACTITIONER_ROLES | {Role.PRIVACY_OFFICER, Role.PARTNERSHIP_ANALYST})
    out = []
    for i in range(n):
        role = rng.choice(roles)
        rule = ROLE_RULES[role]
        purpose = rng.choice(sorted(rule.purposes))
        needs = sorted(PURPOSES[purpose].relationships) or [Relationship.INVOLVED]
        out.append(
            AccessRequest(
                user_id=f"user-{i}",
                role=role,
                agency=rng.choice(sorted(rule.agencies)),
                team=f"team-{i % 40}",
                purpose=purpose,
                child_id=f"child-{i}",
                fields=frozenset(rng.sample(fields, rng.randint(6, 12))),
                relationships=frozenset({rng.choice(needs)}) if rng.random() < 0.9 else frozenset(),
            )
        )
    return out


def run(pdp: PolicyDecisionPoint, requests: list[AccessRequest]) -> dict[str, float]:
    latencies = []
    evaluations = pdp.stats.cedar_evaluations
    cpu_start = time.process_time()
    start = time.perf_counter()
    for request in requests:
        t0 = time.perf_counter()
        pdp.decide(request, today=TODAY)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    cedar = pdp.stats.cedar_evaluations - evaluations
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "decisions": len(requests),
        "decisions_per_s": round(len(requests) / elapsed),
        "field_decisions_per_s": round(sum(len(r.fields) for r in requests) / elapsed),
        "cedar_evaluations": cedar,
        "cedar_evaluations_per_s": round(cedar / elapsed) if cedar else 0,
        # Per CPU-second: what one uncontended core does (wall figures suffer on a shared box).
        "decisions_per_cpu_s": round(len(requests) / cpu) if cpu else None,
        "cedar_evaluations_per_cpu_s": round(cedar / cpu) if cedar and cpu else 0,
        "p50_ms": round(quantiles[49] * 1000, 3),
        "p95_ms": round(quantiles[94] * 1000, 3),
    }


def main() -> None:
    agreements = shipped_agreements()
    requests = workload(N)
    started = time.perf_counter()
    uncached_pdp = PolicyDecisionPoint(agreements, caching=False)
    compile_ms = round((time.perf_counter() - started) * 1000, 1)
    uncached = run(uncached_pdp, requests[:1000])
    pdp = PolicyDecisionPoint(agreements)
    cold = run(pdp, requests)
    cached = run(pdp, requests)
    print(
        json.dumps(
            {
                "benchmark": "policy decision point (cedarpy), shipped agreements",
                "policies": len(pdp.compiled.policies),
                "field_classes": len(pdp.compiled.classes),
                "fields": len(FIELDS),
                "compile_and_parse_ms": compile_ms,
                "uncached": uncached,
                "cold": cold,
                "cached": cached,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
