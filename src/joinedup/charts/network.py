"""The network chart: children on the left, the adults, places and objects tied to them on the
right (in that order, each placed level with the middle of its children so ties cross little),
a line for every tie. Inline SVG like every chart here (``charts.svg``); every person drawn is a
link to their single view, and the page shows the same ties, with their evidence, in a table.

Plain labels and ids in; no store, no layout library: a two-column (bipartite) drawing keeps
every label readable at any size, where a force layout overlaps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from joinedup.charts.svg import BLUE, INK, RED, SECONDARY, _render

# Each kind's colour and shape (shape as well as colour: WCAG 1.4.1, use of colour).
STYLE = {
    "CHILD": (BLUE, "circle"),
    "ADULT": (RED, "square"),
    "LOCATION": ("#00703c", "diamond"),
    "OBJECT": (SECONDARY, "triangle"),
}
KIND_WORDS = {"CHILD": "Child", "ADULT": "Adult", "LOCATION": "Place", "OBJECT": "Vehicle or phone"}


@dataclass(frozen=True, slots=True)
class NodeIn:
    id: str
    kind: str  # CHILD | ADULT | LOCATION | OBJECT
    label: str
    href: str | None = None


def network(nodes: list[NodeIn], ties: list[tuple[str, str]], title: str) -> Markup:
    """``ties`` are (child id, other id); empty when there are no nodes."""
    if not nodes:
        return Markup("")
    width, row_h, top, left_x, right_x = 960, 44, 40, 200, 640
    children = [n for n in nodes if n.kind == "CHILD"]
    others = [n for n in nodes if n.kind != "CHILD"]
    left_y = {n.id: top + row_h * i for i, n in enumerate(children)}
    order = list(STYLE)

    def middle(node: NodeIn) -> float:
        ys = [left_y[c] for c, o in ties if o == node.id and c in left_y]
        return sum(ys) / len(ys) if ys else 0.0

    others.sort(key=lambda n: (order.index(n.kind), middle(n), n.label))
    right_y = {n.id: top + row_h * i for i, n in enumerate(others)}
    height = top + row_h * max(len(children), len(others), 1) + 10
    placed = []
    for node, x, y, anchor in [(n, left_x, left_y[n.id], "end") for n in children] + [
        (n, right_x, right_y[n.id], "start") for n in others
    ]:
        colour, shape = STYLE.get(node.kind, (INK, "circle"))
        placed.append(
            {
                "x": x,
                "y": y,
                "label": node.label,
                "kind": KIND_WORDS.get(node.kind, node.kind),
                "href": node.href,
                "colour": colour,
                "shape": shape,
                "anchor": anchor,
                "text_x": x - 14 if anchor == "end" else x + 14,
            }
        )
    lines = [
        {"x1": left_x, "y1": left_y[c], "x2": right_x, "y2": right_y[o]}
        for c, o in ties
        if c in left_y and o in right_y
    ]
    return _render(
        "network.svg.j2",
        title=title,
        width=width,
        height=height,
        nodes=placed,
        lines=lines,
        ink=INK,
        line=BLUE,
    )
