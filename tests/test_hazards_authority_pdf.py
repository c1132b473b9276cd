"""The report of a major hazard to the authority as a PDF, read back with poppler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests import builders
from tests.builders import NOW, TODAY
from tests.pdftools import fonts_embedded, pdf_text
from tests.test_hazards_major import act, assign_major, report_major
from tests.test_hazards_major import world as world  # noqa: F401 (the fixture)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _reported(client: Any, world: dict) -> dict[str, Any]:
    hazard = assign_major(
        client, world, report_major(client, world, description="探头老化，未定期标定")
    )
    hazard = act(client, "principal@example.com", hazard, "approve-plan", note="同意").get_json()
    return act(
        client,
        "deputy@example.com",
        hazard,
        "report-authority",
        authority="市应急管理局",
        reported_on=TODAY.isoformat(),
        listed=True,
        supervision_deadline=(TODAY + timedelta(days=30)).isoformat(),
    ).get_json()


def test_authority_report_pdf_has_the_three_parts_and_the_report(
    client: Any, auth: Any, world: dict, tmp_path: Any
) -> None:
    hazard = _reported(client, world)
    auth.login("deputy@example.com")
    response = client.get(f"/hazards/{hazard['id']}/authority-report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=major-hazard-report-{hazard['number']}.pdf"
    text = pdf_text(response.data)
    for expected in (
        "重大事故隐患报告",
        hazard["number"],
        "氨气泄漏报警仪失效",
        "一、隐患的现状及其产生原因",
        "探头老化，未定期标定",
        "HG2017-12",
        "二、隐患的危害程度和整改难易程度分析",
        "已停产停业/撤出人员",
        "三、隐患的治理方案",
        "更换探头并标定",
        "市应急管理局",
        "挂牌督办 是",
        (TODAY + timedelta(days=30)).isoformat(),
        TODAY.isoformat(),
    ):
        assert expected in text, expected
    assert fonts_embedded(response.data, tmp_path)


def test_authority_report_pdf_before_the_report_says_so(
    client: Any, auth: Any, world: dict
) -> None:
    hazard = assign_major(client, world, report_major(client, world))
    auth.login("deputy@example.com")
    text = pdf_text(client.get(f"/hazards/{hazard['id']}/authority-report.pdf").data)
    assert "三、隐患的治理方案" in text and "尚未上报监管部门。" in text


def test_printable_report_and_hazard_page_link_to_the_pdf(
    client: Any, auth: Any, world: dict
) -> None:
    hazard = _reported(client, world)
    auth.login("deputy@example.com")
    href = f'href="/hazards/{hazard["id"]}/authority-report.pdf"'
    page = client.get(f"/hazards/{hazard['id']}/authority-report").get_data(as_text=True)
    assert href in page and "下载 PDF" in page and "督办期限" in page
    assert href in client.get(f"/hazards/{hazard['id']}").get_data(as_text=True)


def test_a_general_hazard_has_no_authority_report_pdf(client: Any, auth: Any, world: dict) -> None:
    general = builders.make_hazard()
    auth.login("deputy@example.com")
    assert client.get(f"/hazards/{general.id}/authority-report.pdf").status_code == 404
