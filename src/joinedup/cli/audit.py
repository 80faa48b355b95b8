"""``joinedup audit``: verify the tamper-evident log, prove entries, sign heads, search."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, console, out, print_json, progress_bar, run
from joinedup.errors import BadInput
from joinedup.governance.audit import heads as audit_heads
from joinedup.governance.audit import key_moves, proofs, witness
from joinedup.governance.audit.merkle import ProofError
from joinedup.governance.audit.verify import verify_log
from joinedup.services import oversight, stewardship

TRUSTED_KEY_OPTION = typer.Option(
    None,
    "--trusted-key",
    help="Trust only this public key (PEM; repeatable), e.g. one the data protection officer "
    "keeps outside the system. Default: the current and retired keys of this installation.",
)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--since {value!r} is not a date (YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _saved_head(path: Path) -> audit_heads.TreeHead:
    try:
        data = json.loads(path.read_text())
        return audit_heads.TreeHead(
            int(data["tree_size"]),
            str(data["root_hash"]),
            datetime.fromisoformat(data["signed_at"]),
            str(data["key_id"]),
            str(data["signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BadInput(f"{path} is not a saved signed head ({error})") from None


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(
        help="The tamper-evident audit log: verify it, prove entries, sign tree heads.",
        no_args_is_help=True,
    )

    @audit_app.command("verify")
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

        def body() -> None:
            engine = services.open_store()
            keys = audit_heads.trusted_keys(engine.url, trusted_key or None)
            copies = [_saved_head(path) for path in head or []]
            with engine.connect() as connection, progress_bar(not json_output) as update:
                result = verify_log(
                    connection, keys, lambda d, t: update("verifying", d, t), copies
                )
            if json_output:
                print_json(result.to_dict())
            else:
                (out if result.ok else console).print(result.describe(), highlight=False)
            if not result.ok:
                raise typer.Exit(audit_heads.AuditLogBroken.exit_code)

        run(body)

    @audit_app.command("prove")
    def prove_command(
        seq: int = typer.Argument(..., help="The entry's sequence number."),
        tree_size: int | None = typer.Option(
            None, "--tree-size", help="Prove against this tree size (default: newest signed head)."
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """An inclusion proof for one entry: the proof hashes, the root and the signed head.
        Save the JSON and anyone can check it with `joinedup audit check-proof`."""

        def body() -> None:
            engine = services.open_store()
            with engine.connect() as connection:
                document = proofs.inclusion(connection, seq, tree_size)
            if json_output:
                print_json(document)
                return
            out.print(f"entry {seq} in the tree of {document['tree_size']} entries")
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

        run(body)

    @audit_app.command("consistency")
    def consistency_command(
        old: int = typer.Argument(..., help="The older tree size."),
        new: int = typer.Argument(..., help="The newer tree size."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """A proof that the log of NEW entries only appended to the log of OLD entries."""

        def body() -> None:
            engine = services.open_store()
            with engine.connect() as connection:
                document = proofs.consistency(connection, old, new)
            if json_output:
                print_json(document)
                return
            out.print(f"tree of {new} entries extends tree of {old}")
            out.print(f"old root   {document['old_root_hash']}")
            out.print(f"new root   {document['new_root_hash']}")
            for i, step in enumerate(document["proof"]):
                out.print(f"proof[{i}]   {step}")

        run(body)

    @audit_app.command("check-proof")
    def check_proof_command(
        path: Path = typer.Argument(
            ..., help="A proof saved from `prove --json` or `consistency --json`."
        ),
        trusted_key: list[Path] = TRUSTED_KEY_OPTION,
    ) -> None:
        """Check a saved proof offline, against its signed head and a trusted public key.
        Exits 0 when it holds, 8 when it does not."""

        def body() -> None:
            try:
                document = json.loads(path.read_text())
            except (OSError, ValueError) as error:
                raise BadInput(f"cannot read {path}: {error}") from None
            keys = audit_heads.trusted_keys(services.open_store().url, trusted_key or None)
            try:
                out.print(proofs.check_proof_document(document, keys))
            except ProofError as error:
                console.print(f"[bold red]proof rejected:[/] {error}", highlight=False)
                raise typer.Exit(audit_heads.AuditLogBroken.exit_code) from None

        run(body)

    @audit_app.command("checkpoint")
    def checkpoint_command(json_output: bool = JSON_OPTION) -> None:
        """Sign a tree head over every entry so far, and witness it (every command and web
        request that appends entries ends with one too)."""

        def body() -> None:
            engine = services.open_store()
            with engine.begin() as connection:
                head = audit_heads.checkpoint(connection)
            if head is not None:
                witness.record(engine.url, head)
            if json_output:
                print_json(head.to_dict() if head else None)
            elif head is None:
                out.print("the audit log is empty: nothing to sign")
            else:
                out.print(
                    f"signed head: {head.tree_size} entries, root {head.root_hash}, "
                    f"key {head.key_id[:16]}"
                )

        run(body)

    @audit_app.command("public-key")
    def public_key_command(json_output: bool = JSON_OPTION) -> None:
        """Print the public key that checks this installation's signed heads (PEM). Give it
        to the data protection officer and auditors; it is not secret."""

        def body() -> None:
            signer = audit_heads.load_signer(services.open_store().url)
            pem = audit_heads.public_pem(signer.public_key)
            if json_output:
                print_json(
                    {
                        "key_id": signer.key_id,
                        "public_key_pem": pem,
                        "private_key_source": signer.source,
                    }
                )
            else:
                out.print(pem, end="", highlight=False)

        run(body)

    @audit_app.command("rotate-key")
    def rotate_key_command(actor: str = typer.Option("operator", help="Who rotates it.")) -> None:
        """Sign a last head with the current key, retire it (its public key stays trusted
        for old heads) and start signing with a new key; the rotation is itself logged."""

        def body() -> None:
            from joinedup.governance.audit import append

            engine = services.open_store()
            with engine.begin() as connection:
                last = audit_heads.checkpoint(connection)
            if last is not None:
                witness.record(engine.url, last)
            old, new = audit_heads.rotate_key(engine.url, last.tree_size if last else 0)
            with engine.begin() as connection:
                append(
                    connection,
                    kind="AUDIT_KEY_ROTATED",
                    actor=actor,
                    details={"old_key_id": old, "new_key_id": new},
                )
                audit_heads.checkpoint(connection)
            out.print(f"audit signing key rotated: {old[:16]} -> {new[:16]}")

        run(body)

    @audit_app.command("move-key")
    def move_key_command(actor: str = typer.Option("operator", help="Who moves it.")) -> None:
        """Retire the signing key an older joinedup generated beside a SQLite database
        (`<db>.audit-key.pem`, where whoever can rewrite the database can read it): sign a
        last head with it, keep its public half as a retired key trusted only for the heads
        it has signed, delete it, and sign from now on with the key away from the store
        (JOINEDUP_AUDIT_KEY_DIR, or ~/.config/joinedup). Logged."""

        def body() -> None:
            from joinedup.governance.audit import append

            engine = services.open_store()
            moved = key_moves.move_legacy_key(engine)
            with engine.begin() as connection:
                append(connection, kind="AUDIT_KEY_MOVED", actor=actor, details=moved)
            out.print(
                f"audit signing key {moved['old_key_id'][:16]} retired (trusted for heads up "
                f"to {moved['last_tree_size']} entries) and deleted from beside the database; "
                f"signing with {moved['new_key_id'][:16]} from {moved['key_file']}"
            )

        run(body)

    @audit_app.command("search")
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

        def body() -> None:
            engine = services.open_store()
            who = stewardship.reader_named(engine, as_user, "AUDIT")
            entries = oversight.search_audit(
                engine, who, subject=subject, actor=actor, kind=kind, since=_since(since),
                limit=limit,
            )  # fmt: skip
            if json_output:
                print_json({"entries": entries})
                return
            table = Table(
                "seq",
                "recorded at",
                "kind",
                "actor",
                "role",
                "purpose",
                "subject",
                box=None,
                pad_edge=False,
            )
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
            out.print(table)

        run(body)

    app.add_typer(audit_app, name="audit")
