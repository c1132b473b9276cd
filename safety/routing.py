"""URL converters."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from safety.services.validation import MAX_ID


class IdConverter(IntegerConverter):
    """``<int:id>`` limited to what an id column can hold.

    A larger number names nothing, so the URL does not match (404) instead of
    reaching PostgreSQL and failing with "integer out of range".
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
