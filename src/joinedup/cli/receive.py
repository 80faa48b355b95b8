"""``joinedup receive``: the pipes agencies deliver through (issue 23), and ``joinedup
deliver``, the agency's side of the HTTPS push.

``receive keys``: an agency's Ed25519 key pair for pushing (``new``, made on the agency's
side), its public key registered with the partnership (``add``), listed and revoked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, emit, out, progress_bar
from joinedup.errors import BadInput
from joinedup.services import receiving

app = typer.Typer(help="Receive agencies' deliveries through their pipes.", no_args_is_help=True)
keys_app = typer.Typer(help="Agencies' keys for pushing deliveries.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
deliver_app = typer.Typer()

ACTOR_OPTION = typer.Option("operator", "--by", help="Who does it (recorded in the audit log).")


@keys_app.command("new")
def new_key_command(
    agency: str = typer.Argument(..., help="The agency the key pair is for (e.g. police)."),
    out_dir: Path = typer.Option(Path("."), "--out", help="Where to write the two PEM files."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Make an Ed25519 key pair for an agency's system: AGENCY-delivery.key (private: stays
    with the agency, readable by its owner only) and AGENCY-delivery.pub (to register)."""
    from joinedup.receive import tokens

    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"--out {out_dir} is a file, not a folder")
    private, public = tokens.new_key_pair()
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = (
        out_dir / f"{agency}-delivery.key",
        out_dir / f"{agency}-delivery.pub",
    )
    for path in (private_path, public_path):
        if path.exists():
            raise BadInput(f"{path} exists already: not overwritten")
    private_path.touch(mode=0o600)
    private_path.write_bytes(private)
    public_path.write_bytes(public)
    found = {
        "private_key": str(private_path),
        "public_key": str(public_path),
        "key_id": tokens.key_id(public),
    }
    emit(
        found,
        json_output,
        lambda f: f"wrote {f['private_key']} and {f['public_key']} (key {f['key_id']})",
    )


@keys_app.command("add")
def add_key_command(
    agency: str = typer.Argument(..., help="The agency (e.g. police)."),
    public_key: Path = typer.Argument(..., help="The agency's public key (PEM)."),
    by: str = ACTOR_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Register an agency's public key: its system may then push deliveries."""
    if not public_key.is_file():
        raise BadInput(f"{public_key}: no such file")
    key = receiving.add_key(services.open_store(), agency, public_key.read_bytes(), by=by)
    emit(
        key,
        json_output,
        lambda k: f"registered key {k.key_id} for {k.agency}",
        data=lambda k: k.to_dict(),
    )


@keys_app.command("list")
def list_keys_command(json_output: bool = JSON_OPTION) -> None:
    """Every registered key, revoked ones included."""
    found = receiving.keys(services.open_store())

    def show(keys: list[receiving.DeliveryKey]) -> Table:
        table = Table("agency", "key", "added", "by", "revoked", box=None, pad_edge=False)
        for k in keys:
            revoked = k.revoked_at.isoformat(timespec="minutes") if k.revoked_at else ""
            table.add_row(
                k.agency, k.key_id, k.added_at.isoformat(timespec="minutes"), k.added_by, revoked
            )
        return table

    emit(found, json_output, show, data=lambda ks: {"keys": [k.to_dict() for k in ks]})


@keys_app.command("revoke")
def revoke_key_command(
    key_id: str = typer.Argument(..., help="The key's id (from `receive keys list`)."),
    by: str = ACTOR_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Revoke a key: requests signed with it are refused from now on."""
    key = receiving.revoke_key(services.open_store(), key_id, by=by)
    emit(
        key,
        json_output,
        lambda k: f"revoked key {k.key_id} of {k.agency}",
        data=lambda k: k.to_dict(),
    )


@deliver_app.command("deliver")
def deliver_command(
    folder: Path = typer.Argument(..., help="The delivery folder (with manifest.json)."),
    to: str = typer.Option(
        ..., "--to", help="The partnership's address, e.g. https://joinedup.example"
    ),
    key: Path = typer.Option(..., "--key", help="The agency's private key (PEM)."),
    chunk: int = typer.Option(512 * 1024, "--chunk-bytes", min=1024, help="Bytes per request."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Push a delivery folder to the partnership over HTTPS (the agency's side): the manifest,
    then each file's missing bytes (a transfer cut off resumes where the service stopped), then
    the ingest; prints the receipt (counts and finding codes, never a value)."""
    import json

    from joinedup.domain.nesting import bounded
    from joinedup.ingest.manifest import MANIFEST
    from joinedup.receive.client import Sender

    manifest = folder / MANIFEST
    if not manifest.is_file() or not key.is_file():
        raise BadInput(f"{manifest if not manifest.is_file() else key}: no such file")
    try:
        agency = str(bounded(json.loads, manifest.read_bytes())["agency"])
    except (ValueError, KeyError, TypeError):
        raise BadInput(f"{manifest}: not a manifest naming its agency") from None
    sender = Sender(to, key.read_bytes(), agency=agency, chunk=chunk)
    with progress_bar(enabled=not json_output) as update:
        answer = sender.send(folder, progress=update)
    emit(answer, json_output, _show_receipt)


def _show_receipt(answer: dict[str, Any]) -> None:
    out.print(
        f"[bold]{answer.get('agency')}[/] delivery {answer.get('delivery')}: "
        f"{answer.get('status')} as delivery {answer.get('delivery_id')}, "
        f"{answer.get('rows', 0):,} rows, {answer.get('accepted', 0):,} accepted, "
        f"{answer.get('quarantined', 0):,} quarantined"
    )
    for path, counts in (answer.get("files") or {}).items():
        findings = counts.get("findings") or {}
        top = ", ".join(f"{c} {n:,}" for c, n in sorted(findings.items(), key=lambda x: -x[1])[:3])
        console.print(f"  {path}: {counts.get('rows', 0):,} rows {top}")


@app.command("mesh")
def mesh_command(
    once: bool = typer.Option(False, "--once", help="Take what is waiting, then stop (for cron)."),
    interval: float = typer.Option(60.0, "--interval", min=1.0, help="Seconds between polls."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Receive deliveries from the partnership's MESH mailbox (JOINEDUP_MESH_URL,
    JOINEDUP_MESH_MAILBOX, JOINEDUP_MESH_PASSWORD, JOINEDUP_MESH_SHARED_KEY; which mailbox is
    which agency: JOINEDUP_MESH_SENDERS). Each message (a zip of a delivery folder, workflow
    SAFEGUARDING_DELIVERY) is ingested, its receipt sent back to the sender's mailbox, then
    acknowledged. Runs until stopped, or --once."""
    from joinedup.services import receiving_mesh

    engine = services.open_store()
    outcomes: list[dict[str, Any]] = []

    def report(outcome: dict[str, Any]) -> None:
        outcomes.append(outcome)
        if not json_output and outcome["outcome"] == "late":
            console.print(_late_line(outcome))
        elif not json_output:
            receipt = outcome["receipt"]
            if outcome["outcome"] == "taken":
                out.print(
                    f"{outcome['message_id']} from {outcome['sender']} ({outcome['agency']}): "
                    f"{receipt['status']} as delivery {receipt['delivery_id']}, "
                    f"{receipt['rows']:,} rows, {receipt['quarantined']:,} quarantined"
                )
            else:
                console.print(
                    f"{outcome['message_id']} from {outcome['sender']}: refused: "
                    f"{receipt['reason']}"
                )

    try:
        handled = receiving_mesh.run(engine, once=once, interval=interval, report=report)
    except KeyboardInterrupt:
        handled = len(outcomes)
    if json_output:
        emit({"messages": outcomes}, True)
    elif not handled:
        out.print("no messages waiting")


@app.command("sftp")
def sftp_command(
    once: bool = typer.Option(False, "--once", help="Take what is waiting, then stop (for cron)."),
    interval: float = typer.Option(30.0, "--interval", min=1.0, help="Seconds between looks."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Receive deliveries from the SFTP drop (JOINEDUP_SFTP_DROP): each agency's whole
    deliveries in DROP/AGENCY/upload/ are ingested, and the receipt written to
    DROP/AGENCY/receipts/, where the agency reads it. Runs until stopped, or --once."""
    from joinedup.services import receiving_sftp

    engine = services.open_store()
    outcomes: list[dict[str, Any]] = []

    def report(outcome: dict[str, Any]) -> None:
        outcomes.append(outcome)
        if not json_output and outcome["outcome"] == "late":
            console.print(_late_line(outcome))
        elif not json_output:
            receipt = outcome["receipt"]
            said = (
                f"{receipt['status']} as delivery {receipt.get('delivery_id')}, "
                f"{receipt.get('rows', 0):,} rows"
                if outcome["outcome"] == "taken"
                else f"refused: {receipt['reason']}"
            )
            out.print(f"{outcome['agency']} {outcome['delivery']}: {said}")

    try:
        handled = receiving_sftp.run(engine, once=once, interval=interval, report=report)
    except KeyboardInterrupt:
        handled = len(outcomes)
    if json_output:
        emit({"deliveries": outcomes}, True)
    elif not handled:
        out.print("no whole deliveries waiting")


@app.command("api")
def api_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8443, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes."),
) -> None:
    """Receive deliveries pushed over HTTPS by agencies' systems (POST /api/v1/deliveries,
    each request signed with the agency's registered key: joinedup receive keys), and serve
    nothing else: no page, no sign-in, no person's record. Put it behind the partnership's
    TLS proxy and open it to the agencies' networks; joinedup serve stays inside. Runs until
    stopped (a push has no --once: the agency's system sends when it is ready)."""
    from joinedup.cli.serve import serve
    from joinedup.config import refuse_unsafe_defaults

    refuse_unsafe_defaults()
    console.print(f"joinedup receiving deliveries on http://{host}:{port} (Ctrl-C stops it)")
    serve(host, port, workers=workers, factory="create_receiver_app")


@app.command("sftp-config")
def sftp_config_command(
    drop: Path = typer.Argument(..., help="The drop's root folder."),
    agency: list[str] = typer.Option(..., "--agency", help="An agency with an account."),
) -> None:
    """Print OpenSSH's configuration for the drop (append it to sshd_config): each agency's
    account joinedup-AGENCY chrooted into DROP/AGENCY, SFTP only, keys only."""
    from joinedup.domain.agencies import AgencyId
    from joinedup.receive.drop import sshd_config

    for name in agency:
        try:
            AgencyId(name)
        except ValueError:
            raise BadInput(f"--agency {name!r} is not an agency") from None
    print(sshd_config(drop.resolve(), agency), end="")


@app.command("late")
def late_command(json_output: bool = JSON_OPTION) -> None:
    """Agencies whose deliveries are late by their schedule (JOINEDUP_DELIVERY_SCHEDULE): when
    each last delivered. Each newly late agency is recorded once in the audit log."""
    from joinedup.services import delivery_schedule

    engine = services.open_store()
    found = delivery_schedule.late_agencies(engine)
    delivery_schedule.warn_late(engine)

    def show(entries: list[dict[str, Any]]) -> Table | str:
        if not entries:
            return "no agency has a schedule (JOINEDUP_DELIVERY_SCHEDULE)"
        table = Table("agency", "every (hours)", "last received", "hours since", "late",
                      box=None, pad_edge=False)  # fmt: skip
        for e in entries:
            table.add_row(e["agency"], f"{e['expected_every_hours']:g}",
                          e["last_received_at"] or "never", str(e["hours_since_received"] or ""),
                          "LATE" if e["late"] else "")  # fmt: skip
        return table

    emit(found, json_output, show, data=lambda es: {"agencies": es})


def _late_line(outcome: dict[str, Any]) -> str:
    since = outcome["hours_since_received"]
    quiet = "nothing ever received" if since is None else f"nothing received for {since:g} hours"
    return (
        f"warning: {outcome['agency']} is late: {quiet} "
        f"(expected every {outcome['expected_every_hours']:g} hours)"
    )
