"""Governance: lawful, minimal, accountable sharing on every read (agreements, purposes,
the policy decision point, minimisation, emergency access, audit, retention, transparency).

Decision logic here imports no web framework and no ORM; the audit log's storage lives in
``joinedup.store.audit_tables`` and is written through a ``Connection`` the caller owns.
"""
