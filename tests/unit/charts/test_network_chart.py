"""The network chart: every person a link, every tie a line, labels always text."""

from __future__ import annotations

from joinedup.charts import NodeIn, network


def test_people_are_links_ties_are_lines_and_labels_are_escaped() -> None:
    svg = str(
        network(
            [
                NodeIn("P1", "CHILD", "Amy <b>Brook</b>", "/people/P1"),
                NodeIn("P2", "CHILD", "Child 2", "/people/P2"),
                NodeIn("LOCATION:L1", "LOCATION", "Station Hotel"),
            ],
            [("P1", "LOCATION:L1"), ("P2", "LOCATION:L1")],
            "1 adult, place or object tied to 2 children",
        )
    )
    assert svg.count("<a href=") == 2 and svg.count("<line ") == 2
    assert "Amy &lt;b&gt;Brook&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'aria-label="Place: Station Hotel"' in svg
    assert '<title id="network-title">1 adult, place or object tied to 2 children</title>' in svg


def test_no_nodes_draw_nothing() -> None:
    assert str(network([], [], "nothing")) == ""
