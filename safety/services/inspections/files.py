"""Photo files of inspection items: stored, copied to hazards, removed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import (
    Hazard,
    HazardPhoto,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    User,
)
from safety.services.errors import ValidationError


def _stored_photo_count(item: InspectionItem | None, removed: set[int]) -> int:
    if item is None or item.id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(InspectionPhoto.id)).where(
            InspectionPhoto.item_id == item.id, InspectionPhoto.id.not_in(removed or {-1})
        )
    )


def _delete_files(names: Iterable[str]) -> None:
    """Best effort: files of a call that failed, or of photos removed from a draft."""
    from safety.services.photos import remove_files

    remove_files(names)


def _store(upload: Any, written: list[str], field: str = "photos") -> Any:
    from safety.services.photos import store_image

    try:
        stored = store_image(upload)
    except ValidationError as error:
        raise ValidationError({field: sum(error.fields.values(), [])}) from None
    written.extend([stored.stored_name, stored.thumb_name])
    return stored


def _copy_photo_to_hazard(
    photo: InspectionPhoto, hazard: Hazard, actor: User, written: list[str]
) -> None:
    """Hazard photos are files of their own (names are unique per table)."""
    from safety.services.photos import photo_path

    stored = _store(photo_path(photo.stored_name).read_bytes(), written)
    db.session.add(
        HazardPhoto(
            hazard_id=hazard.id,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            content_type=stored.content_type,
            width=stored.width,
            height=stored.height,
            uploaded_by_id=actor.id,
        )
    )


def _delete_item(row: InspectionItem) -> list[str]:
    names: list[str] = []
    for photo in db.session.scalars(
        sa.select(InspectionPhoto).where(InspectionPhoto.item_id == row.id)
    ):
        names += [photo.stored_name, photo.thumb_name]
        db.session.delete(photo)
    db.session.delete(row)
    return names


def item_photos(inspection: Inspection) -> dict[int, list[InspectionPhoto]]:
    """Photos per item id (one query)."""
    ids = [item.id for item in inspection.items]
    result: dict[int, list[InspectionPhoto]] = {i: [] for i in ids}
    if ids:
        for photo in db.session.scalars(
            sa.select(InspectionPhoto)
            .where(InspectionPhoto.item_id.in_(ids))
            .order_by(InspectionPhoto.id)
        ):
            result[photo.item_id].append(photo)
    return result
