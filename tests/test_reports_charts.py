"""The server-side SVG charts: valid SVG, escaped labels, links, no inline styles."""

from __future__ import annotations

from xml.etree import ElementTree

from safety.reports.charts import Bar, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_escapes_labels_and_links_each_bar() -> None:
    svg = str(
        bar_chart(
            [Bar("<script>", 3, "/hazards?status=rectifying&overdue=true"), Bar("空", 0)],
            title="T & U",
            chart_id="c1",
        )
    )
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/hazards?status=rectifying&overdue=true"]
    widths = [int(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] > 0 and widths[1] == 0
    assert "style=" not in svg


def test_line_chart_draws_one_polyline_per_series() -> None:
    svg = str(
        line_chart(
            ["01", "02", "03"],
            [("a", [1, 2, 3], ["/x", None, "/z"]), ("b", [0, 0, 0], [])],
            title="trend",
            chart_id="c2",
        )
    )
    root = ElementTree.fromstring(svg)
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}circle")) == 6
    assert [a.get("href") for a in root.findall(f".//{SVG}a")] == ["/x", "/z"]


def test_charts_with_no_data_still_render() -> None:
    assert ElementTree.fromstring(str(bar_chart([], title="none", chart_id="c3")))
    assert ElementTree.fromstring(str(line_chart([], [], title="none", chart_id="c4")))


def test_charts_with_links_are_not_images() -> None:
    """axe's nested-interactive: a role=img hides its children, so its links could
    not be reached. A chart with links is a labelled group; its links name their bar."""
    for svg in (
        str(bar_chart([Bar("甲", 3, "/a")], title="T", chart_id="c3")),
        str(line_chart(["01"], [("a", [1], ["/x"])], title="L", chart_id="c4")),
    ):
        root = ElementTree.fromstring(svg)
        assert root.get("role") == "group"
        assert root.get("aria-labelledby") == f"{root.get('id')}-t"
        for element in root.iter():
            assert element.get("role") != "img"
        for link in root.iter(f"{SVG}a"):
            assert link.get("aria-label")


def test_a_chart_without_links_stays_an_image() -> None:
    root = ElementTree.fromstring(str(bar_chart([Bar("甲", 3)], title="T", chart_id="c5")))
    assert root.get("role") == "img"
