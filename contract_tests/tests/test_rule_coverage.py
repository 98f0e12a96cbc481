"""Every rule in docs/contract.md has a contract test, and every test names a real rule.

Runs without a server: it reads the contract and parses the suite's modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parents[1] / "src" / "contract_tests"
RULE_LINE = re.compile(r"^\s*[-*]\s+\*\*`([a-z0-9_.-]+)`\*\*")


def _contract_file() -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "docs" / "contract.md"
        if candidate.is_file():
            return candidate
    raise AssertionError("docs/contract.md not found above contract_tests/tests")


def contract_rules() -> list[str]:
    text = _contract_file().read_text(encoding="utf-8")
    return [m.group(1) for line in text.splitlines() if (m := RULE_LINE.match(line))]


def _is_contract_marker(node: ast.expr) -> bool:
    """``pytest.mark.contract(...)`` or ``mark.contract(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "contract"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def _marker_ids(node: ast.expr) -> list[str]:
    assert isinstance(node, ast.Call)
    ids = []
    for arg in node.args:
        assert isinstance(arg, ast.Constant), f"rule ids must be string literals: {ast.dump(arg)}"
        assert isinstance(arg.value, str), f"rule ids must be strings: {arg.value!r}"
        ids.append(arg.value)
    return ids


def suite_modules() -> list[Path]:
    return sorted(SUITE_DIR.glob("test_*.py"))


def marked_rules() -> dict[str, list[str]]:
    """rule id -> the tests that carry it."""
    found: dict[str, list[str]] = {}
    for module in suite_modules():
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                for decorator in node.decorator_list:
                    if _is_contract_marker(decorator):
                        for rule in _marker_ids(decorator):
                            found.setdefault(rule, []).append(f"{module.name}::{node.name}")
    return found


def test_contract_lists_rules() -> None:
    rules = contract_rules()
    assert len(rules) > 30, f"expected the contract's rule ids, found only {rules}"
    duplicates = sorted({r for r in rules if rules.count(r) > 1})
    assert not duplicates, f"rule ids appear twice in docs/contract.md: {duplicates}"


def test_suite_modules_exist() -> None:
    names = {m.name for m in suite_modules()}
    assert {"test_items.py", "test_auth.py", "test_cross_impl.py"} <= names, names


def test_every_rule_has_a_test() -> None:
    missing = sorted(set(contract_rules()) - set(marked_rules()))
    assert not missing, (
        "these rules of docs/contract.md have no test marked "
        f"@pytest.mark.contract(...) in contract_tests: {missing}"
    )


def test_every_marker_names_a_rule() -> None:
    known = set(contract_rules())
    unknown = {rule: tests for rule, tests in marked_rules().items() if rule not in known}
    assert not unknown, f"these tests name rules that docs/contract.md does not define: {unknown}"


def test_every_test_carries_a_rule() -> None:
    unmarked = []
    for module in suite_modules():
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marks = [d for d in node.decorator_list if _is_contract_marker(d)]
                if not marks or not any(_marker_ids(d) for d in marks):
                    unmarked.append(f"{module.name}::{node.name}")
    assert not unmarked, f"contract tests without @pytest.mark.contract(rule id): {unmarked}"
