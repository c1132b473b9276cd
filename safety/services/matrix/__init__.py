"""The responsibility matrix (一岗双责): duties, responsibilities, lists, sign-off, gaps.

Split by topic: :mod:`.common` (labels), :mod:`.editing` (duties and
responsibilities), :mod:`.versions` (frozen list versions), :mod:`.lists`
(reading and signing), :mod:`.gaps` (the matrix and its gaps),
:mod:`.reading` (what the pages list), :mod:`.targets` and
:mod:`.agreements` (安全生产责任书). Everything is re-exported here.

Versioned lists. A post's *responsibility list* (安全生产责任清单) is its
responsibilities (with the duties they name) beside its business duties. Every
change to any of these, by whatever service, makes a new frozen
:class:`ResponsibilityListVersion` in the same transaction: a session hook
notes the posts a flush touched and :func:`record_list_versions` runs for
them just before the commit. A version is only made when the list really
differs from the latest one, so calling it twice is harmless.

Gap analysis and inheritance down the unit tree (what a safety manager
expects, and what :func:`find_gaps` checks):

* **main** (主体责任) is per unit: every unit names its own first responsible
  post (主要负责人); the group's main responsibility does not stand in for a
  workshop's head.
* **supervision** (监管责任) covers the unit and every unit below it: the
  safety department supervising the group supervises its plants.
* **leadership** and **direct** are never gaps on their own.
* A responsibility counts whether or not its post is held today; an empty
  post is reported separately as ``post_vacant``.
"""

from __future__ import annotations

from safety.services.matrix.agreements import (
    agreement_content,
    agreement_data,
    may_sign_agreement,
    sign_agreement,
)
from safety.services.matrix.common import (
    CATEGORY_LABELS,
    KIND_LABELS,
    KIND_LETTERS,
    KIND_ORDER,
    LEVEL_LABELS,
    LEVEL_ORDER,
    require_matrix_admin,
)
from safety.services.matrix.editing import (
    create_duty,
    create_responsibility,
    delete_duty,
    delete_responsibility,
    duplicate_message,
    update_duty,
    update_responsibility,
    validate_duty,
    validate_responsibility,
)
from safety.services.matrix.gaps import (
    GAP_CHECKS,
    GAP_TYPES,
    GapFacts,
    find_gaps,
    matrix_data,
    units_in_tree_order,
)
from safety.services.matrix.lists import (
    ListDiff,
    MyList,
    acknowledge_list,
    diff_items,
    diff_versions,
    get_version,
    list_versions,
    my_lists,
    print_data,
    responsibility_list,
    split_items,
    unsigned_lists,
)
from safety.services.matrix.reading import (
    all_duties,
    duty_options,
    post_options,
    responsibility_rows,
    unit_targets,
    users_by_id,
)
from safety.services.matrix.targets import (
    create_target,
    delete_target,
    targets_for_unit,
)
from safety.services.matrix.versions import (
    live_items,
    record_list_versions,
)
from safety.services.validation import MAX_ID, load, load_or_404

__all__ = [
    "agreement_content",
    "agreement_data",
    "may_sign_agreement",
    "sign_agreement",
    "all_duties",
    "duty_options",
    "post_options",
    "responsibility_rows",
    "unit_targets",
    "users_by_id",
    "CATEGORY_LABELS",
    "GAP_CHECKS",
    "GAP_TYPES",
    "GapFacts",
    "KIND_LABELS",
    "KIND_LETTERS",
    "KIND_ORDER",
    "LEVEL_LABELS",
    "LEVEL_ORDER",
    "ListDiff",
    "MAX_ID",
    "MyList",
    "acknowledge_list",
    "create_duty",
    "create_responsibility",
    "create_target",
    "delete_duty",
    "delete_responsibility",
    "delete_target",
    "diff_items",
    "diff_versions",
    "duplicate_message",
    "find_gaps",
    "get_version",
    "list_versions",
    "live_items",
    "load",
    "load_or_404",
    "matrix_data",
    "my_lists",
    "print_data",
    "record_list_versions",
    "require_matrix_admin",
    "responsibility_list",
    "split_items",
    "targets_for_unit",
    "units_in_tree_order",
    "unsigned_lists",
    "update_duty",
    "update_responsibility",
    "validate_duty",
    "validate_responsibility",
]
