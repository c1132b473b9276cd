"""The responsibility agreement (安全生产责任书) as a PDF, read back with poppler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from tests.builders import NOW
from tests.pdftools import fonts_embedded, pdf_text
from tests.test_matrix_agreements import _clock as _clock  # noqa: F401 (autouse fixture)
from tests.test_matrix_agreements import posts as posts  # noqa: F401 (the fixture)


def test_agreement_pdf_has_duties_of_three_kinds_targets_and_signatures(
    api: Any, auth: Any, client: Any, posts: dict, tmp_path: Any
) -> None:
    post = posts["plant_head"]
    path = f"/posts/{post.id}/agreements/2026/signatures"
    assert api.login("sun@example.com").post(path).status_code == 201
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert api.login("wang@example.com").post(path).status_code == 201
    auth.login("sun@example.com")
    response = client.get(f"/duty/agreements/{post.id}/2026.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (
        "安全生产责任书 · 2026",
        "厂长",
        "纯碱厂",
        "总经理",
        "一、安全职责",
        "建立健全责任制",
        "审核安全费用",
        "贯彻行业标准",
        "三、年度目标",
        "隐患整改率: ≥97%",
        "四、签字确认",
        "孙建华 本岗位 2026-03-12 10:00",
        "王振华 上级岗位 2026-03-12 13:00",
    ):
        assert expected in text, expected
    assert fonts_embedded(response.data, tmp_path)


def test_an_unsigned_agreement_pdf_says_nobody_signed(auth: Any, client: Any, posts: dict) -> None:
    auth.login("sun@example.com")
    text = pdf_text(client.get(f"/duty/agreements/{posts['plant_head'].id}/2026.pdf").data)
    assert "尚无人签字确认" in text and "孙建华 未签字确认" in text


def test_agreement_page_links_to_the_pdf_and_unknown_is_404(
    auth: Any, client: Any, posts: dict
) -> None:
    post = posts["plant_head"]
    auth.login("sun@example.com")
    page = client.get(f"/matrix/posts/{post.id}/agreements/2026").get_data(as_text=True)
    assert f'href="/duty/agreements/{post.id}/2026.pdf"' in page
    assert client.get(f"/duty/agreements/{post.id}/1999.pdf").status_code == 404
    assert client.get("/duty/agreements/999999/2026.pdf").status_code == 404
