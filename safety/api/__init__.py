"""The JSON API under /api/v1 (flask-smorest; OpenAPI at /api/v1/openapi.json).

Each area adds a module with a ``blp`` blueprint and lists it in ``AREAS``.
"""

from __future__ import annotations

import importlib

from flask import Flask

from safety.api.errors import SafetyApi

#: The one flask-smorest Api, bound to each app by :func:`register_api`.
api = SafetyApi()

AREAS = ("tokens", "org", "matrix", "hazards", "inspections", "outbox", "risks", "assessments")


def register_api(app: Flask) -> None:
    from safety.extensions import csrf

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for area in AREAS:
        module = importlib.import_module(f"safety.api.{area}")
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
