"""``joinedup network``: the exploitation network (issue 22) as the named account may see it,
for the MASH and the police safeguarding officer; each person in it is an audited read."""

from __future__ import annotations

from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out
from joinedup.services import stewardship

app = typer.Typer()


@app.command("network")
def network_command(
    purpose: str = typer.Option(
        "MASH_TRIAGE", "--purpose", help="MASH_TRIAGE or CHILD_PROTECTION_ENQUIRY."
    ),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """The adults, places and vehicles or phones tied to two or more children who went
    missing or were exploited, each tie with the police incidents behind it (what you may
    see for the purpose)."""
    from joinedup.services.network import exploitation_network

    engine = services.open_store()
    reader = stewardship.reader_named(engine, as_user, purpose)
    emit(exploitation_network(engine, reader).as_dict(), json_output, show_network)


def show_network(result: dict[str, Any]) -> None:
    nodes = {n["id"]: n for n in result["nodes"]}
    if not result["ties"]:
        out.print("nothing you may see: no adult, place or object ties two such children")
        return
    for node in result["nodes"]:
        if node["kind"] == "CHILD":
            continue
        detail = f" ({node['detail']})" if node.get("detail") else ""
        out.print(f"{node['kind'].lower()} {node['label']}{detail}: {node['children']} children")
        for tie in result["ties"]:
            if tie["node"] != node["id"]:
                continue
            for e in tie["evidence"]:
                role = e["role"] or "role not shown"
                out.print(
                    f"  {nodes[tie['child']]['label']}: {e['incident_id']} {e['occurred_on']} "
                    f"{e['category']} (child {e['child_role']}; {role})"
                )
