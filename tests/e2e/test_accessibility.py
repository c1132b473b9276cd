"""axe-core finds no serious or critical violation on the pages people use most.

axe-core comes from npm (``package.json``, installed by ``make e2e``) and is
injected into each page after it has loaded. The pages are read as the role
that uses them, on a desktop and (for the inspection form) on a phone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
#: The outermost elements that stick out of the screen (to say what to fix).
WIDEST = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > screen.width + 1 && !out.some(o => o.contains(el))) {
      let scrolls = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) { scrolls = true; break; }
      }
      if (!scrolls) out.push(el);
    }
  }
  const right = e => Math.round(e.getBoundingClientRect().right);
  return out.slice(0, 5).map(e => `${e.tagName}.${e.className}#${e.id} ${right(e)}`);
}"""


def _violations(page: Page) -> list[dict]:
    """Run axe-core on the loaded page; the serious and critical violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make e2e` (it installs package.json with npm)")
    # Evaluated through the DevTools protocol: the app's CSP (rightly) refuses
    # an injected <script> tag.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def _explain(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} serious/critical axe violation(s)"]
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:3]]
        lines.append(f"- {violation['id']} ({violation['impact']}): {json.dumps(targets)}")
    return "\n".join(lines)


def _check(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    violations = _violations(page)
    assert not violations, _explain(url, violations)


def test_sign_in_page(page: Page) -> None:
    _check(page, "/login")


@pytest.mark.parametrize(
    "url",
    ["/", "/hazards/", "/matrix/", "/reports/", "/reports/monthly", "/risks/", "/duty/"],
)
def test_pages_of_a_manager(page: Page, sign_in, url: str) -> None:
    sign_in(page, "chief_safety_officer")
    _check(page, url)


def test_hazard_detail(page: Page, sign_in) -> None:
    sign_in(page, "chief_safety_officer")
    page.goto("/hazards/")
    href = page.locator("a[href*='/hazards/']").filter(has_text="YH-").first.get_attribute("href")
    assert href, "the register lists no hazard to open"
    _check(page, href)


def test_phone_inspection_form(phone_page: Page, sign_in) -> None:
    sign_in(phone_page, "workshop_safety_officer")
    _check(phone_page, "/inspections/new?unit=SODA-CALC")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/matrix/",
        "/matrix/mine",
        "/hazards/",
        "/hazards/major",
        "/risks/",
        "/duty/",
        "/reports/",
        "/reports/monthly",
        "/reports/statutory",
        "/reports/accountability",
    ],
)
def test_no_page_is_wider_than_a_phone(phone_page: Page, sign_in, url: str) -> None:
    sign_in(phone_page, "plant_head")
    response = phone_page.goto(url)
    assert response is not None and response.status == 200, url
    phone_page.wait_for_load_state("load")
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    viewport = phone_page.evaluate("() => window.innerWidth")
    wide = phone_page.evaluate(WIDEST)
    assert width <= viewport, f"{url} is {width}px wide on a {viewport}px phone: {wide}"


def test_the_statutory_major_list_fits_a_narrow_window(page: Page, sign_in) -> None:
    """With major hazards listed (eight columns of numbers, dates and money) the
    statutory page was 435 px wide in a 390 px window: the table scrolls in its wrap."""
    from datetime import UTC, datetime

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")  # the whole group
    today = datetime.now(UTC).date()
    quarters = [(today.year, q) for q in range((today.month - 1) // 3 + 1, 0, -1)]
    for year, quarter in quarters + [(today.year - 1, 4)]:  # the demo's majors are recent
        page.goto(f"/reports/statutory?period={year}-Q{quarter}")
        page.wait_for_load_state("load")
        if page.locator("#statutory-major").count():
            break
    assert page.locator("#statutory-major").count() == 1
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, page.evaluate(WIDEST)
