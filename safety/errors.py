"""HTML and JSON answers for errors, chosen by path."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from safety.api.errors import error_response, is_api_request
from safety.services.errors import ServiceError


def render_http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    return render_template("errors/error.html", status=status, error=error), status


def handle_service_error(error: ServiceError):  # noqa: ANN201
    """Services raise domain errors; map them to a 4xx for the client at hand."""
    from safety.extensions import db

    db.session.rollback()
    if is_api_request():
        return error_response(
            error.status, error.message, code=error.code, fields=getattr(error, "fields", None)
        )
    return (
        render_template("errors/error.html", status=error.status, message=error.message),
        error.status,
    )


def handle_database_refusal(error: DataError | IntegrityError | OverflowError):  # noqa: ANN201
    """The database refused a value the services let through: a 4xx, not a 500.

    ``DataError``: a value out of the column's range (an id beyond a 32-bit
    integer, say; SQLite's driver raises ``OverflowError`` for a number over
    64 bits). ``IntegrityError``: two requests raced to create the same
    unique value; the loser is told to reload.
    """
    from safety.extensions import db

    db.session.rollback()
    if isinstance(error, DataError | OverflowError):
        status, message = 422, _("A value is out of range.")
    else:
        status, message = 409, _("Someone else changed this at the same moment. Reload and retry.")
    if is_api_request():
        return error_response(status, message)
    return render_template("errors/error.html", status=status, message=message), status


def handle_unexpected(error: Exception):  # noqa: ANN201
    if isinstance(error, HTTPException):
        return error
    from safety.extensions import db

    db.session.rollback()
    if is_api_request():
        return error_response(500, "Internal error")
    return render_http_error(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DataError, handle_database_refusal)
    app.register_error_handler(IntegrityError, handle_database_refusal)
    app.register_error_handler(OverflowError, handle_database_refusal)
    if not app.testing and not app.debug:
        app.register_error_handler(Exception, handle_unexpected)
