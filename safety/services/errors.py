"""Domain exceptions raised by services and mapped to 4xx by the web layers."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; ``message`` is user-facing (already translated)."""

    status = 400
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ServiceError):
    """Invalid input; ``fields`` maps each bad field to its messages."""

    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, list[str] | str], message: str | None = None) -> None:
        self.fields = {k: [v] if isinstance(v, str) else list(v) for k, v in fields.items()}
        first = next(iter(self.fields.items()), ("", [""]))
        super().__init__(message or f"{first[0]}: {first[1][0]}")


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """A transition not allowed from the current state, or a stale version."""

    status = 409
    code = "conflict"


class AuthenticationFailed(ServiceError):
    status = 401
    code = "unauthorized"
