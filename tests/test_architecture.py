"""The house rules that keep the code in shape, checked over the source itself."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "movetrack"
POLICY = PACKAGE / "auth" / "policy"
# The Role enum with its labels and database check, and the accounts the demo and the
# scale generator make (data, not a decision) name roles; everything else asks the policy.
NAMES_ROLES = {PACKAGE / "auth" / "models.py", PACKAGE / "demo.py", PACKAGE / "scale" / "generate.py"}

ROLE_VALUES = r"['\"](?:admin|supervisor|orderer|participant)['\"]"
COMPARED = r"\s*(?:==|!=|\bin\b|\bnot\s+in\b)\s*"
PYTHON_ROLE_TEST = re.compile(
    r"\bRole\.[A-Z]+|\bSTAFF_ROLES\b"  # Role.ADMIN, the staff roles
    rf"|\brole{COMPARED}[('\"]"  # role == "admin", role in ("admin", …)
    rf"|(?:==|!=)\s*{ROLE_VALUES}"
)
TEMPLATE_ROLE_TEST = re.compile(rf"\.role\b{COMPARED}|\brole\b[^%}}]*{ROLE_VALUES}")


def _offending_lines(paths, pattern) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]


def test_no_role_is_tested_outside_the_policy():
    python = [
        path for path in PACKAGE.rglob("*.py")
        if POLICY not in path.parents and path not in NAMES_ROLES
    ]
    templates = list((PACKAGE / "templates").rglob("*.html"))
    offending = _offending_lines(python, PYTHON_ROLE_TEST) + _offending_lines(
        templates, TEMPLATE_ROLE_TEST
    )
    assert offending == [], "ask movetrack.auth.policy (may_see, may_change, can) instead"


def test_the_scan_recognises_a_role_test():
    """The patterns above catch what they are meant to (or the test above proves nothing)."""
    for line in ('if user.role == Role.ADMIN:', 'if current_user.role not in STAFF_ROLES:',
                 'x = roles_required(Role.ORDERER)', "if role != 'orderer':"):
        assert PYTHON_ROLE_TEST.search(line), line
    for line in ("{% if current_user.role == 'admin' %}", "{% if role in ('admin',) %}"):
        assert TEMPLATE_ROLE_TEST.search(line), line
    assert not PYTHON_ROLE_TEST.search('if not may_change(user, Kind.PARTICIPANT):')


def test_only_the_unit_of_work_commits():
    """Services flush; a request or a command commits once (movetrack/unit_of_work.py)."""
    committing = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path != PACKAGE / "unit_of_work.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\.commit\(\)", line)
    ]
    assert committing == []
