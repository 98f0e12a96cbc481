"""Every row of the attack matrix has a test, and every attack tag names a row.

Runs without a server, like test_rule_coverage.py: it parses the suite's modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

from contract_tests.attacks import MATRIX, attack_cases

SUITE_DIR = Path(__file__).resolve().parents[1] / "src" / "contract_tests"


def _strings(node: ast.expr) -> list[str]:
    assert isinstance(node, ast.Constant), f"row ids must be literals: {ast.dump(node)}"
    assert isinstance(node.value, str), f"row ids must be strings: {node.value!r}"
    return [node.value]


def tagged_rows() -> dict[str, list[str]]:
    """row id -> the modules (and lines) that tag a test with it."""
    found: dict[str, list[str]] = {}
    for module in sorted(SUITE_DIR.glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            rows: list[str] = []
            # @pytest.mark.attack("row", ...)
            if isinstance(func, ast.Attribute) and func.attr == "attack":
                for arg in node.args:
                    rows += _strings(arg)
            # attack_cases(TABLE, {"case": "row", ...})
            elif isinstance(func, ast.Name) and func.id == "attack_cases":
                mapping = node.args[1]
                assert isinstance(mapping, ast.Dict), "attack_cases takes a dict literal"
                for value in mapping.values:
                    rows += _strings(value)
            for row in rows:
                found.setdefault(row, []).append(f"{module.name}:{node.lineno}")
    return found


def test_matrix_has_rows() -> None:
    assert len(MATRIX) >= 20
    assert all(row.owasp.startswith("API") for row in MATRIX.values())


def test_every_row_has_a_test() -> None:
    missing = sorted(set(MATRIX) - set(tagged_rows()))
    assert not missing, f"attack matrix rows without a tagged contract test: {missing}"


def test_every_tag_names_a_row() -> None:
    unknown = {row: where for row, where in tagged_rows().items() if row not in MATRIX}
    assert not unknown, f"tests tag attack rows that contract_tests.attacks lacks: {unknown}"


def test_attack_cases_keeps_ids_and_refuses_unknown_cases() -> None:
    cases = attack_cases(["a", "b"], {"b": "jwt.expired"})
    assert cases[0] == "a"
    assert cases[1].values == ("b",)
    assert [m.args for m in cases[1].marks] == [("jwt.expired",)]
    try:
        attack_cases(["a"], {"c": "jwt.expired"})
    except ValueError:
        pass
    else:
        raise AssertionError("attack_cases must refuse a case the table does not have")
