"""Who may see and change what: decided here, once, and asked by routes, services and
templates alike. Nothing outside this package tests a role (tests/test_architecture.py).

- principal.py  who is asking (a staff user today; participants and participant mode next)
- rules.py      per kind of thing, may_see / may_change; `allowed` for routes, `can` for
                templates; the facts about roles that the account pages need
- scopes.py     per kind of row, the SQL scope of what a principal may see; *_or_404
- consent.py    what a case worker may see of their own orders, as consent allows
- statistics.py the aggregate scope of the statistics, and who sees small numbers hidden
"""

from movetrack.auth.policy.consent import (
    NOTHING,
    SHARE_COLUMNS,
    SHARE_LABELS,
    Share,
    Shared,
    consent_exists,
    in_force,
    orders_in_scope,
    shared_columns,
    shared_from,
    shared_with,
    what_orderer_may_see,
)
from movetrack.auth.policy.principal import Principal
from movetrack.auth.policy.rules import (
    MANAGED_ROLES,
    Kind,
    allowed,
    can,
    case_workers_clause,
    home_endpoint,
    is_case_worker,
    is_case_worker_role,
    keeps_admin_role,
    may_change,
    may_see,
    needs_units,
    works_in_every_unit,
)
from movetrack.auth.policy.scopes import (
    assignment_or_404,
    certificate_or_404,
    participant_or_404,
    participants_in_scope,
    placements_in_scope,
    scope,
    unit_ids_in_scope,
    unit_or_404,
    units_in_scope,
    upload_visible,
    visible_or_404,
)
from movetrack.auth.policy.statistics import hides_small_numbers, placements_in_stats_scope

__all__ = [
    "MANAGED_ROLES", "NOTHING", "SHARE_COLUMNS", "SHARE_LABELS", "Kind",
    "Principal", "Share", "Shared", "allowed", "assignment_or_404", "can",
    "case_workers_clause", "certificate_or_404", "consent_exists", "hides_small_numbers",
    "home_endpoint", "placements_in_stats_scope",
    "in_force", "is_case_worker", "is_case_worker_role", "keeps_admin_role", "may_change",
    "may_see", "needs_units", "orders_in_scope", "participant_or_404",
    "participants_in_scope", "placements_in_scope", "scope", "shared_columns", "shared_from",
    "shared_with", "unit_ids_in_scope", "unit_or_404", "units_in_scope", "upload_visible", "visible_or_404",
    "what_orderer_may_see", "works_in_every_unit",
]
