"""Who may use each thing the platform offers: one declaration per use.

A ``Use`` names the roles that may use it and, for a read under a declared purpose, the
purposes it may be used for. The same declaration is read by the service (which checks it,
so a CLI command or a new entry point cannot skip it), by the API route and by the web page
that show the same data (``web.auth.governed`` turns it into the route's dependencies and
its OpenAPI declaration: ``x-use``, ``x-roles``, ``x-purposes``). The API and the web
therefore agree by construction; ``tests/web/test_route_agreement.py`` walks every route
for every role and purpose and proves it.

A use with no purposes is a record-keeping or account task (the alerts inbox, the clerical
review queue, data quality): the role is checked, and the service audits the access. Plain
data: no web framework, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from joinedup.errors import Forbidden
from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.roles import PRACTITIONER_ROLES, ROLE_RULES, Role


class UseRefused(Forbidden):
    """Refused because the role (or the declared purpose) may not use this at all, as
    opposed to a decision about one person's record: the API's problem document and the
    error page say which (``type``), so a caller, and the route-agreement test, can tell."""


class Caller(Protocol):
    """Anything that says who is asking: an account (role) or a reader (role and purpose)."""

    @property
    def role(self) -> str | Role: ...


def _words(title: str) -> str:
    """A title inside a sentence: lower case, but an acronym ("MASH") kept as it is."""
    return title if title.split()[0].isupper() else title[0].lower() + title[1:]


def _purpose_words(purpose: Purpose) -> str:
    return f"{_words(PURPOSES[purpose].title)} ({purpose.value})"


def _titles(roles: Iterable[Role]) -> str:
    return ", ".join(_words(ROLE_RULES[r].title.split(" (")[0]) for r in roles)


@dataclass(frozen=True, slots=True)
class Use:
    name: str  # stable key (OpenAPI ``x-use``, the route-agreement test)
    title: str  # what it is, in words
    roles: tuple[Role, ...]
    purposes: tuple[Purpose, ...] = ()  # empty: not a read under a declared purpose

    def check_role(self, caller: Caller) -> Role:
        """The caller's role, or ``Forbidden`` naming who this is for."""
        role = Role(str(caller.role))
        if role not in self.roles:
            raise UseRefused(f"{self.title} is for: {_titles(self.roles)}")
        return role

    def check(self, caller: Caller) -> Role:
        """The role, then (for a reader) the declared purpose; ``Forbidden`` otherwise. A
        caller with no purpose (an account) passes only uses that need none."""
        role = self.check_role(caller)
        if not self.purposes:
            return role
        purpose = getattr(caller, "purpose", None)
        if purpose is None:
            raise UseRefused(f"{self.title} needs a declared purpose")
        if Purpose(str(purpose)) not in self.purposes:
            # In words, with the code an API caller sends in brackets.
            names = " or ".join(_purpose_words(p) for p in self.purposes)
            declared = _purpose_words(Purpose(str(purpose)))
            raise UseRefused(f"{self.title} needs the purpose {names}, not {declared}")
        return role

    def allows(self, role: Role | str, purpose: Purpose | str | None = None) -> bool:
        """Whether ``role`` (declaring ``purpose``) may use this: what ``check`` decides."""
        if Role(str(role)) not in self.roles:
            return False
        if not self.purposes:
            return True
        return purpose is not None and Purpose(str(purpose)) in self.purposes


PRACTITIONERS = tuple(sorted(PRACTITIONER_ROLES))
EVERY_ROLE = tuple(Role)
P = Purpose
CASE_PURPOSES = (
    P.MASH_TRIAGE,
    P.CHILD_PROTECTION_ENQUIRY,
    P.EARLY_HELP,
    P.LEAD_PRACTITIONER_CASEWORK,
    P.OPERATION_ENCOMPASS,
)
EXPLAIN_PURPOSES = (
    P.MASH_TRIAGE,
    P.CHILD_PROTECTION_ENQUIRY,
    P.LEAD_PRACTITIONER_CASEWORK,
    P.EARLY_HELP,
)
# The privacy officer searches for and opens a record only under an access review (AUDIT).
SEARCH = Use(
    "search", "Finding a person", (*PRACTITIONERS, Role.PRIVACY_OFFICER), (*CASE_PURPOSES, P.AUDIT)
)
SINGLE_VIEW = Use(
    "single_view",
    "The single view of a person",
    (*PRACTITIONERS, Role.PRIVACY_OFFICER),
    (*CASE_PURPOSES, P.AUDIT),
)
# The multi-agency chronology: a practitioner's casework document (the single view's events
# and what practitioners recorded, as a table); its export (CSV, PDF) is a share, audited.
CHRONOLOGY = Use("chronology", "A child's chronology", PRACTITIONERS, CASE_PURPOSES)
CHRONOLOGY_EXPORT = Use(
    "chronology_export", "Exporting a child's chronology", PRACTITIONERS, CASE_PURPOSES
)
# The children the practitioner is involved with (their own agency's involvements): each
# child listed is a governed read, as the single view is (issue 19).
CASELOAD = Use("caseload", "My children", PRACTITIONERS, CASE_PURPOSES)
RECORD_CONCERN = Use("record_concern", "Recording a concern", PRACTITIONERS, CASE_PURPOSES)
# The child's wishes and feelings, recorded by a practitioner who may see the child (issue 21).
RECORD_CHILD_VOICE = Use(
    "record_child_voice", "Recording the child's voice", PRACTITIONERS, CASE_PURPOSES
)
BREAK_GLASS = Use("break_glass", "Emergency access (break glass)", PRACTITIONERS, CASE_PURPOSES)
TRIAGE_CASE = Use("triage_case", "A MASH triage case", (Role.MASH_PRACTITIONER,), (P.MASH_TRIAGE,))
# Children who moved into the area (issue 24): the summaries other partnerships sent and the
# transfer-in cases they opened, for the MASH (``services.exchange_view``).
EXCHANGE_CASES = Use(
    "exchange_cases", "Children who moved into the area", (Role.MASH_PRACTITIONER,),
    (P.MASH_TRIAGE, P.CHILD_MOVED_AREA),
)  # fmt: skip
TRIAGE_LIST = Use("triage_list", "The triage list", (Role.MASH_PRACTITIONER,), (P.MASH_TRIAGE,))
TRIAGE_DECISION = Use(
    "triage_decision", "Recording a triage decision", (Role.MASH_PRACTITIONER,), (P.MASH_TRIAGE,)
)
# An agency's practitioners answer the MASH's information requests to their agency: they see
# the question and the child's identifying details only (``governance.mash_cases``).
MASH_REQUESTS = Use(
    "mash_requests",
    "The MASH's information requests to your agency",
    (
        Role.SOCIAL_WORKER,
        Role.POLICE_SAFEGUARDING_OFFICER,
        Role.HEALTH_SAFEGUARDING_LEAD,
        Role.SCHOOL_DSL,
    ),
)
RISK_EXPLANATION = Use(
    "risk_explanation",
    "A child's risk explanation",
    (Role.MASH_PRACTITIONER, Role.SOCIAL_WORKER),
    EXPLAIN_PURPOSES,
)
TRIAGE_OVERSIGHT = Use(
    "triage_oversight",
    "The triage decisions and overrides",
    (Role.MASH_PRACTITIONER, Role.PARTNERSHIP_ANALYST),
    (P.MASH_TRIAGE, P.STATUTORY_RETURN),
)
INTERVENTION_CATALOGUE = Use(
    "intervention_catalogue",
    "The intervention catalogue",
    (Role.PARTNERSHIP_ANALYST, Role.MASH_PRACTITIONER, Role.SOCIAL_WORKER),
)
INTERVENTION_CATALOGUE_EDIT = Use(
    "intervention_catalogue_edit",
    "Changing the intervention catalogue",
    (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR),
)
INTERVENTION_EVALUATION = Use(
    "intervention_evaluation", "An intervention's evaluation", (Role.PARTNERSHIP_ANALYST,)
)
INTERVENTION_ESTIMATE = Use(
    "intervention_estimate",
    "An intervention's estimate for a child",
    (Role.MASH_PRACTITIONER, Role.SOCIAL_WORKER),
    EXPLAIN_PURPOSES,
)
# The exploitation network (issue 22): adults, places and vehicles tied to two or more children
# who go missing or are exploited. For the MASH and the police's seat in it, by the MASH
# agreement: each child and adult drawn is a governed read, as the triage list's children are.
EXPLOITATION_NETWORK = Use(
    "exploitation_network",
    "The exploitation network",
    (Role.MASH_PRACTITIONER, Role.POLICE_SAFEGUARDING_OFFICER),
    (P.MASH_TRIAGE, P.CHILD_PROTECTION_ENQUIRY),
)
ALERT_INBOX = Use("alert_inbox", "The alerts inbox", PRACTITIONERS)
# CP-IS at the point of care: health professionals only (the national service's users).
CP_IS_CHECK = Use("cp_is_check", "The CP-IS point-of-care check", (Role.HEALTH_SAFEGUARDING_LEAD,))
LINK_REVIEW = Use(
    "link_review",
    "The clerical review of links",
    (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR),
)
DATA_QUALITY = Use(
    "data_quality",
    "Data quality",
    (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER),
)
AGREEMENTS = Use(
    "agreements",
    "The data sharing agreements",
    (Role.PRIVACY_OFFICER, Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR),
)
BREAK_GLASS_REVIEW = Use(
    "break_glass_review", "Break-glass reviews", (Role.PRIVACY_OFFICER,), (P.AUDIT,)
)
PRIVACY_NOTICES = Use(
    "privacy_notices", "The privacy officer's notices", (Role.PRIVACY_OFFICER,), (P.AUDIT,)
)
AUDIT_SEARCH = Use("audit_search", "Audit search", (Role.PRIVACY_OFFICER,), (P.AUDIT,))
AUDIT_VERIFY = Use("audit_verify", "Audit verification", (Role.PRIVACY_OFFICER, Role.ADMINISTRATOR))
USERS = Use("users", "The list of accounts", (Role.ADMINISTRATOR,))
ALERT_OPERATIONS = Use(
    "alert_operations", "Retrying the alerts worker's failed items", (Role.ADMINISTRATOR,)
)
EXPLAIN_LINK = Use(
    "explain_link", "Why records linked", (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR)
)
HOUSEHOLDS = Use(
    "households", "Households as linked", (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR)
)
QUARANTINE = Use(
    "quarantine",
    "Quarantined rows",
    (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER),
)
TRANSPARENCY = Use("transparency", "Transparency reports", (Role.PRIVACY_OFFICER,))
# The demo's mail sink: what the alerts worker emailed (already minimised for each
# recipient), read back by the administrator who runs the demonstration.
MAIL_SINK = Use("mail_sink", "The emails the demo sent", (Role.ADMINISTRATOR,))
SESSION = Use("session", "Your session", EVERY_ROLE)

USES: dict[str, Use] = {
    u.name: u
    for u in (
        SEARCH, SINGLE_VIEW, CASELOAD, CHRONOLOGY, CHRONOLOGY_EXPORT, RECORD_CONCERN,
        RECORD_CHILD_VOICE,
        INTERVENTION_CATALOGUE_EDIT, BREAK_GLASS,
        TRIAGE_CASE, TRIAGE_LIST, MASH_REQUESTS,
        TRIAGE_DECISION, RISK_EXPLANATION, TRIAGE_OVERSIGHT, INTERVENTION_CATALOGUE,
        INTERVENTION_EVALUATION, INTERVENTION_ESTIMATE, ALERT_INBOX, LINK_REVIEW, DATA_QUALITY,
        AGREEMENTS, BREAK_GLASS_REVIEW, PRIVACY_NOTICES, AUDIT_SEARCH, AUDIT_VERIFY, USERS,
        EXPLAIN_LINK, HOUSEHOLDS, QUARANTINE, TRANSPARENCY, ALERT_OPERATIONS, SESSION,
        MAIL_SINK, CP_IS_CHECK, EXPLOITATION_NETWORK, EXCHANGE_CASES,
    )
}  # fmt: skip
