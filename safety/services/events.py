"""Event notifications: who hears at once when something happens to a hazard.

Separate from the daily digest (contract §5): the accountable post's holders
when a hazard is assigned to it or its fix is rejected, and when an extension
request is decided; the requester's managers when an extension is requested;
the holders of ``main`` responsibility for the unit when a ``major`` hazard is
reported. Callers are the hazard services, inside their transaction: this
module queues, it never commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safety.models import Hazard, User


def hazard_event(kind: str, hazard: Hazard, actor: User | None, note: str | None = None) -> None:
    """Queue the emails and in-app notices for ``kind`` on ``hazard``.

    ``kind`` is the action's name: ``reported``, ``assigned``, ``rejected``,
    ``extension_requested``, ``extension_decided`` and, for major hazards,
    the steps of their procedure. Unknown kinds notify nobody.
    """
