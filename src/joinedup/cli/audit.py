"""``joinedup audit``: verify the tamper-evident log, prove entries, sign heads, look after the
signing key, search entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    console,
    emit,
    out,
    parse_moment,
    progress_bar,
)
from joinedup.services import audit_log, oversight, stewardship

app = typer.Typer(
    help="The tamper-evident audit log: verify it, prove entries, sign tree heads.",
    no_args_is_help=True,
)

TRUSTED_KEY_OPTION = typer.Option(
    None,
    "--trusted-key",
    help="Trust only this public key (PEM; repeatable), e.g. one the data protection officer "
    "keeps outside the system. Default: the current and retired keys of this installation.",
)


@app.command("verify")
def verify_command(
    json_output: bool = JSON_OPTION,
    trusted_key: list[Path] = TRUSTED_KEY_OPTION,
    head: list[Path] = typer.Option(
        None,
        "--head",
        help="A signed head saved earlier (`checkpoint --json`) and kept "
        "outside the database; repeatable. Catches deleted heads and truncation.",
    ),
) -> None:
    """Check every entry and signed head. Exits 0 when the log is intact; otherwise 8,
    naming the first bad entry (or head) and why."""
    engine = services.open_store()
    with progress_bar(not json_output) as update:
        result = audit_log.verify(engine, trusted_key, head, lambda d, t: update("verifying", d, t))
    emit(result, json_output, show_verification, data=lambda r: r.to_dict())
    if not result.ok:
        raise typer.Exit(audit_log.AuditLogBroken.exit_code)


def show_verification(result: Any) -> None:
    """An intact log on stdout; a broken one on stderr, as an error."""
    (out if result.ok else console).print(result.describe(), highlight=False)


@app.command("prove")
def prove_command(
    seq: int = typer.Argument(..., help="The entry's sequence number."),
    tree_size: int | None = typer.Option(
        None, "--tree-size", help="Prove against this tree size (default: newest signed head)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """An inclusion proof for one entry: the proof hashes, the root and the signed head.
    Save the JSON and anyone can check it with `joinedup audit check-proof`."""
    document = audit_log.prove_inclusion(services.open_store(), seq, tree_size)
    emit(document, json_output, show_inclusion)


def show_inclusion(document: dict[str, Any]) -> None:
    out.print(f"entry {document['seq']} in the tree of {document['tree_size']} entries")
    out.print(f"leaf hash  {document['leaf_hash']}")
    for i, step in enumerate(document["proof"]):
        out.print(f"proof[{i}]   {step}")
    out.print(f"root       {document['root_hash']}")
    head = document["signed_head"]
    out.print(
        f"signed     {head['signed_at']} by key {head['key_id'][:16]}"
        if head
        else "signed     (no head signed at this size)"
    )


@app.command("consistency")
def consistency_command(
    old: int = typer.Argument(..., help="The older tree size."),
    new: int = typer.Argument(..., help="The newer tree size."),
    json_output: bool = JSON_OPTION,
) -> None:
    """A proof that the log of NEW entries only appended to the log of OLD entries."""
    document = audit_log.prove_consistency(services.open_store(), old, new)
    emit(document, json_output, lambda d: show_consistency(d, old, new))


def show_consistency(document: dict[str, Any], old: int, new: int) -> None:
    out.print(f"tree of {new} entries extends tree of {old}")
    out.print(f"old root   {document['old_root_hash']}")
    out.print(f"new root   {document['new_root_hash']}")
    for i, step in enumerate(document["proof"]):
        out.print(f"proof[{i}]   {step}")


@app.command("check-proof")
def check_proof_command(
    path: Path = typer.Argument(
        ..., help="A proof saved from `prove --json` or `consistency --json`."
    ),
    trusted_key: list[Path] = TRUSTED_KEY_OPTION,
) -> None:
    """Check a saved proof offline, against its signed head and a trusted public key.
    Exits 0 when it holds, 8 when it does not."""
    try:
        out.print(audit_log.check_proof(services.open_store(), path, trusted_key))
    except audit_log.ProofError as error:
        console.print(f"[bold red]proof rejected:[/] {error}", highlight=False)
        raise typer.Exit(audit_log.AuditLogBroken.exit_code) from None


@app.command("checkpoint")
def checkpoint_command(json_output: bool = JSON_OPTION) -> None:
    """Sign a tree head over every entry so far, and witness it (every command and web
    request that appends entries ends with one too)."""
    head = audit_log.checkpoint(services.open_store())
    emit(head, json_output, describe_head, data=lambda h: h.to_dict() if h else None)


def describe_head(head: Any) -> str:
    if head is None:
        return "the audit log is empty: nothing to sign"
    return f"signed head: {head.tree_size} entries, root {head.root_hash}, key {head.key_id[:16]}"


@app.command("public-key")
def public_key_command(json_output: bool = JSON_OPTION) -> None:
    """Print the public key that checks this installation's signed heads (PEM). Give it
    to the data protection officer and auditors; it is not secret."""
    key = audit_log.public_key(services.open_store())
    emit(key, json_output, lambda k: out.print(k["public_key_pem"], end="", highlight=False))


@app.command("rotate-key")
def rotate_key_command(actor: str = typer.Option("operator", help="Who rotates it.")) -> None:
    """Sign a last head with the current key, retire it (its public key stays trusted
    for old heads) and start signing with a new key; the rotation is itself logged."""
    rotated = audit_log.rotate_signing_key(services.open_store(), actor=actor)
    out.print(
        f"audit signing key rotated: {rotated['old_key_id'][:16]} -> {rotated['new_key_id'][:16]}"
    )


@app.command("move-key")
def move_key_command(actor: str = typer.Option("operator", help="Who moves it.")) -> None:
    """Retire the signing key an older joinedup generated beside a SQLite database
    (`<db>.audit-key.pem`, where whoever can rewrite the database can read it): sign a
    last head with it, keep its public half as a retired key trusted only for the heads
    it has signed, delete it, and sign from now on with the key away from the store
    (JOINEDUP_AUDIT_KEY_DIR, or ~/.config/joinedup). Logged."""
    moved = audit_log.move_signing_key(services.open_store(), actor=actor)
    out.print(
        f"audit signing key {moved['old_key_id'][:16]} retired (trusted for heads up "
        f"to {moved['last_tree_size']} entries) and deleted from beside the database; "
        f"signing with {moved['new_key_id'][:16]} from {moved['key_file']}"
    )


@app.command("search")
def search_command(
    subject: str | None = typer.Option(None, help="The person or child the entry is about."),
    actor: str | None = typer.Option(None, help="Who acted."),
    kind: str | None = typer.Option(None, help="ACCESS, SHARE, BREAK_GLASS, REVIEW..."),
    since: str | None = typer.Option(None, help="Only entries from this date (YYYY-MM-DD)."),
    limit: int = typer.Option(1000, help="At most this many entries."),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Find audit entries, oldest first (privacy officers; the search is itself audited)."""
    engine = services.open_store()
    who = stewardship.reader_named(engine, as_user, "AUDIT")
    entries = oversight.search_audit(
        engine, who, subject=subject, actor=actor, kind=kind,
        since=parse_moment(since, "--since", "a date (YYYY-MM-DD)"), limit=limit,
    )  # fmt: skip
    emit({"entries": entries}, json_output, lambda found: entry_table(found["entries"]))


def entry_table(entries: list[dict[str, Any]]) -> Table:
    table = Table(
        "seq", "recorded at", "kind", "actor", "role", "purpose", "subject",
        box=None, pad_edge=False,
    )  # fmt: skip
    for e in entries:
        table.add_row(
            str(e["seq"]),
            e["recorded_at"][:16].replace("T", " "),
            e["kind"],
            e["actor"],
            e["actor_role"] or "",
            e["purpose"] or "",
            e["subject"] or "",
        )
    return table
