"""HTML and JSON answers for errors, chosen by path."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


#: Seconds a client should wait before retrying when the database is away.
RETRY_AFTER = 5


def _rollback_quietly() -> None:
    """Roll back; a rollback that fails itself (the database is gone) is ignored."""
    from safety.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the answer must still go out
        current_app.logger.warning("rollback failed", exc_info=True)


def _forget_user() -> None:
    """Render the error page as anonymous: loading the user needs the database."""
    g._login_user = current_app.login_manager.anonymous_user()


def handle_database_unavailable(error: OperationalError | PoolTimeout):  # noqa: ANN201
    """The database cannot be reached (or is locked or saturated): 503, retry later."""
    current_app.logger.error(
        "database unavailable: %s %s: %s",
        request.method,
        request.path,
        error.__class__.__name__,
        exc_info=error,
    )
    _rollback_quietly()
    _forget_user()
    message = _("The service is unavailable for a moment. Try again shortly.")
    if is_api_request():
        response = error_response(503, message, code="unavailable")
    else:
        response = current_app.make_response(
            (render_template("errors/error.html", status=503, message=message), 503)
        )
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def handle_unexpected(error: Exception):  # noqa: ANN201
    """Any other exception: logged with its traceback, then a plain 500."""
    if isinstance(error, HTTPException):
        return error
    current_app.logger.error("unhandled error: %s %s", request.method, request.path, exc_info=error)
    _rollback_quietly()
    if is_api_request():
        return error_response(500, "Internal error")
    _forget_user()
    return render_http_error(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DataError, handle_database_refusal)
    app.register_error_handler(IntegrityError, handle_database_refusal)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(OverflowError, handle_database_refusal)
    if not app.testing and not app.debug:
        app.register_error_handler(Exception, handle_unexpected)
