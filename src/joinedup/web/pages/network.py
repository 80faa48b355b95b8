"""The exploitation network page (issue 22): the network drawn (inline SVG, each person a link
to their single view, which goes through the gate) beside a table of every tie and the
incidents behind it. The page calls ``services.network`` with the session's reader, so each
person drawn is a decided, audited read, exactly as the API's answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.charts import NodeIn, network
from joinedup.charts.network import KIND_WORDS
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http import navigation
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.templating import render
from joinedup.services.network import exploitation_network

router = APIRouter(include_in_schema=False)
navigation.add(
    "Exploitation network",
    "/exploitation-network",
    uses.EXPLOITATION_NETWORK.roles,
    "The adults, places and vehicles tied to two or more children who go missing or are "
    "exploited, with the police incidents behind each tie.",
    9,
)


@router.get("/exploitation-network", **governed(uses.EXPLOITATION_NETWORK, page=True))
def network_page(request: Request, reader: Reader = Depends(current_reader)) -> Response:
    answer = exploitation_network(engine_of(request), reader).as_dict()
    nodes = {n["id"]: n for n in answer["nodes"]}
    children = sum(1 for n in answer["nodes"] if n["kind"] == "CHILD")
    connectors = len(answer["nodes"]) - children
    chart = network(
        [NodeIn(n["id"], n["kind"], n["label"], n.get("href")) for n in answer["nodes"]],
        [(t["child"], t["node"]) for t in answer["ties"]],
        f"{connectors} adults, places or objects tied to {children} children",
    )
    rows: list[dict[str, Any]] = []
    for tie in answer["ties"]:
        for evidence in tie["evidence"]:
            rows.append({"child": nodes[tie["child"]], "node": nodes[tie["node"]], **evidence})
    connector_rows = [n for n in answer["nodes"] if n["kind"] != "CHILD"]
    context = {
        "title": "Exploitation network",
        "chart": chart,
        "rows": rows,
        "connectors": connector_rows,
        "children": children,
        "kind_words": KIND_WORDS,
    }
    return render(request, "network/network.html", context)
