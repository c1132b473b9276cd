"""BASE_URL follows the address served when it is not configured (contract §2)."""

from __future__ import annotations

from typing import Any

import pytest

from safety import create_app
from safety.models import Unit
from safety.services.qrcodes import inspection_url


@pytest.fixture
def unconfigured(base_config: dict[str, Any], monkeypatch) -> dict[str, Any]:
    monkeypatch.delenv("SAFETY_BASE_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    return {k: v for k, v in base_config.items() if k != "BASE_URL"}


def test_default_follows_the_port_served(unconfigured, monkeypatch):
    monkeypatch.setenv("PORT", "5077")
    app = create_app(unconfigured)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5077"
    with app.test_request_context("/"):
        assert inspection_url(Unit(code="U1")).startswith("http://127.0.0.1:5077/inspections/new")


def test_default_without_a_port_is_5000(unconfigured, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert create_app(unconfigured).config["BASE_URL"] == "http://127.0.0.1:5000"


def test_a_configured_base_url_wins(unconfigured, monkeypatch):
    monkeypatch.setenv("PORT", "5077")
    monkeypatch.setenv("SAFETY_BASE_URL", "https://safety.example.com")
    assert create_app(unconfigured).config["BASE_URL"] == "https://safety.example.com"


def test_serve_sets_it_from_its_port(unconfigured, monkeypatch):
    """``flask serve --port N`` (make run) links to :N when nothing else was said."""
    import werkzeug.serving

    monkeypatch.delenv("PORT", raising=False)
    seen: dict[str, Any] = {}

    def fake_run_simple(host: str, port: int, app: Any, **_kw: Any) -> None:
        seen["base_url"] = app.config["BASE_URL"]

    monkeypatch.setattr(werkzeug.serving, "run_simple", fake_run_simple)
    app = create_app(unconfigured)
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5077"])
    assert result.exit_code == 0, result.output
    assert seen["base_url"] == "http://127.0.0.1:5077"


def test_serve_keeps_a_configured_base_url(base_config, monkeypatch):
    import werkzeug.serving

    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        werkzeug.serving,
        "run_simple",
        lambda host, port, app, **kw: seen.setdefault("base_url", app.config["BASE_URL"]),
    )
    app = create_app(base_config)
    app.test_cli_runner().invoke(args=["serve", "--port", "5077"])
    assert seen["base_url"] == "http://safety.test"
