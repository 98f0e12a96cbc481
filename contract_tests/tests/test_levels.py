"""The conformance levels of docs/contract.md are the suite's, rule by rule."""

from __future__ import annotations

import re
from pathlib import Path

from contract_tests.plugin import CORE, LEVELS, level_of

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
RULE = re.compile(r"^\s*[-*]\s+\*\*`([a-z0-9_.-]+)`\*\*")

LEVEL_ROW = re.compile(r"^\| `([a-z]+)` \|")
LEVEL_HEADING = re.compile(r"^## .*\(level `([a-z]+)`\)")


def _document() -> list[str]:
    return CONTRACT.read_text(encoding="utf-8").splitlines()


def contract_rules() -> list[str]:
    return [m.group(1) for line in _document() if (m := RULE.match(line))]


def test_the_levels_table_names_the_suites_levels() -> None:
    named = [m.group(1) for line in _document() if (m := LEVEL_ROW.match(line))]
    assert tuple(named) == LEVELS


def test_each_rule_is_in_the_level_of_its_section() -> None:
    # A rule under a heading "... (level `io`)" is in level io; every other is core.
    heading_level = CORE
    for line in _document():
        if line.startswith("## "):
            found = LEVEL_HEADING.match(line)
            heading_level = found.group(1) if found else CORE
        if found_rule := RULE.match(line):
            assert level_of(found_rule.group(1)) == heading_level, line


def test_a_level_has_rules() -> None:
    levels = {level_of(rule) for rule in contract_rules()}
    assert levels == set(LEVELS)
