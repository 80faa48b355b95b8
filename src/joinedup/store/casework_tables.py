"""Tables of casework (casework branch): MASH triage cases (the legitimate relationship a MASH
practitioner has with a child being triaged) and concerns or engagements practitioners record
about a child. Same metadata as the core tables."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, Text, func

from joinedup.store.tables import Id, Json, metadata, person_record

# Search matches surnames case-insensitively by prefix; an expression index keeps it fast.
Index("ix_person_record_surname_lower", func.lower(person_record.c.surname))
# ... and by its folded form ("Wozniak" finds "Woźniak": migration 0056_search).
Index("ix_person_record_surname_folded", person_record.c.surname_folded)

# A child on the MASH's triage list: opened by a MASH practitioner with a reason (as a
# self-claimed legitimate relationship in NHS Spine), audited, and closed with an outcome.
triage_case = Table(
    "triage_case",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("outcome", Text),
    # The MASH's timescale for a decision, the contact or referral the case answers, and who
    # closed it and why (migration 0030).
    Column("due_at", DateTime(timezone=True)),
    Column("prompted_by", String(40)),  # CONTACT | REFERRAL (the event type)
    Column("closed_by", String(200)),
    Column("closing_reason", Text),
    # The MASH's RAG rating, which sets the case's due time from the partnership's
    # timescales (JOINEDUP_MASH_TIMESCALES; migration 0068).
    Column("rag", String(10)),  # RED | AMBER | GREEN
    Column("rag_set_by", String(200)),
    Column("rag_set_at", DateTime(timezone=True)),
    Index("ix_triage_case_person", "person_id"),
)

# An information request from a MASH case to one agency: its question, its due time, and
# the agency's answer (migration 0068). The answering practitioner sees the question and the
# child's identifying details only; an unanswered request past its due time is escalated
# (an alert to the agency's duty manager, then the MASH, as any alert).
mash_request = Table(
    "mash_request",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, nullable=False),
    Column("person_id", String(40), nullable=False),
    Column("agency", String(40), nullable=False),  # the agency asked
    Column("question", Text, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # OPEN | ANSWERED | WITHDRAWN
    Column("answer", Text),
    Column("answered_by", String(200)),
    Column("answered_at", DateTime(timezone=True)),
    Column("escalated_at", DateTime(timezone=True)),
    Column("level", Integer, nullable=False, default=0),
    Index("ix_mash_request_case", "case_id"),
    Index("ix_mash_request_agency_status", "agency", "status"),
)

# A concern or an engagement recorded about a child: routed to the lead practitioners.
concern = Table(
    "concern",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # CONCERN | ENGAGEMENT
    Column("text", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("routed_to", Json, nullable=False, default=list),  # lead practitioners told
    Column("audit_seq", Id),
    Index("ix_concern_person", "person_id"),
)

# When a reader last opened a child's single view (migration 0051): the home page's and "My
# children"'s "new since you last looked". One row per reader and child, replaced on each
# opening, written in the transaction of the audited read it marks.
last_looked = Table(
    "last_looked",
    metadata,
    Column("reader", String(200), primary_key=True),  # the account's user id
    Column("person_id", String(40), primary_key=True),
    Column("looked_at", DateTime(timezone=True), nullable=False),
    Index("ix_last_looked_reader_time", "reader", "looked_at"),
)

# The child's voice (issue 21, migration 0066): the child's wishes and feelings as a
# practitioner recorded them, in the child's words where they can be, with the day the child
# said them. The recording agency's record: shown where the agreements share that agency's
# record of the child (``services.child_voice``).
child_voice = Table(
    "child_voice",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("words", Text, nullable=False),
    Column("spoken_on", Date, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("audit_seq", Id),
    Index("ix_child_voice_person", "person_id"),
)
