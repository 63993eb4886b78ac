"""What each role may do, in one place (region scope is the other half: accounts/scope.py).

Pages, the API and services ask these functions; none keeps a role list of its own.
"""

from __future__ import annotations

from typing import Any

IMPORT_ROLES = ("reporter", "admin")
STATUS_ROLES = ("reporter", "reviewer", "admin")
REVEAL_ROLES = ("reviewer", "admin")  # may see a whole ID number (each look is audited)
PAIRING_ROLES = ("reviewer", "admin")  # offices that set up pairings and accept proposals
PLAN_ROLES = ("reporter", "reviewer", "admin")  # may write agreements, targets and tasks


def _has_any(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(
        user.has_role(role) for role in roles
    )


def may_import(user: Any) -> bool:
    return _has_any(user, IMPORT_ROLES)


def may_change_status(user: Any) -> bool:
    return _has_any(user, STATUS_ROLES)


def may_reveal_ids(user: Any) -> bool:
    return _has_any(user, REVEAL_ROLES)


def may_manage_pairings(user: Any) -> bool:
    return _has_any(user, PAIRING_ROLES)


def may_plan(user: Any) -> bool:
    return _has_any(user, PLAN_ROLES)


REVIEW_ROLES = ("reviewer", "admin")  # review reported data one level down


def may_review(user: Any) -> bool:
    return _has_any(user, REVIEW_ROLES)
