"""The attack and bad-input matrix: one row per attack, mapped to the OWASP API Top 10.

Rows are not tests. A contract test covers a row by carrying its id, either on the
whole test (``@pytest.mark.attack("jwt.expired")``) or on the cases of a
parametrised table (``attack_cases(BAD_TOKENS, {"expired": "jwt.expired"})``), so
each attack is tested once, in the file of the contract section it belongs to.
Only attacks that fit no section live in ``test_attacks.py``.

``tests/test_attack_matrix.py`` checks that every row has a test and every tag
names a row; ``--contract-summary`` reports results per row (its ``attacks`` key),
and ``python -m contract_tests.attacks SUMMARY.json`` prints them as the table in
docs/security.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Row:
    owasp: str
    attack: str
    expected: str


API1 = "API1:2023 Broken Object Level Authorization"
API2 = "API2:2023 Broken Authentication"
API3 = "API3:2023 Broken Object Property Level Authorization"
API4 = "API4:2023 Unrestricted Resource Consumption"
API8 = "API8:2023 Security Misconfiguration"

MATRIX: dict[str, Row] = {
    # --- object-level authorisation
    "bola.foreign-item-write": Row(
        API1, "PATCH or DELETE another user's item", "403, the item unchanged"
    ),
    # --- authentication: forged and stale tokens
    "jwt.alg-none": Row(API2, 'token with "alg": "none" and no signature', "401"),
    "jwt.alg-hs512": Row(API2, "token signed HS512 with the right secret", "401"),
    "jwt.alg-rs256-header": Row(
        API2, "RS256 header, HMAC-signed with the secret (key confusion)", "401"
    ),
    "jwt.wrong-key": Row(API2, "HS256 signed with another key, or signature stripped", "401"),
    "jwt.expired": Row(API2, "exp in the past", "401"),
    "jwt.not-yet-valid": Row(API2, "nbf in the future", "401"),
    "jwt.missing-claims": Row(API2, "no sub, no iat or no exp", "401"),
    "jwt.non-numeric-sub": Row(
        API2, "sub letters, integer, signed, padded, empty or past BIGINT", "401"
    ),
    "jwt.unknown-user": Row(API2, "valid token whose sub names no user", "401"),
    "jwt.deleted-user": Row(
        API2, "valid token of a user deleted afterwards (white-box: row deleted in SQL)", "401"
    ),
    "auth.no-bearer": Row(
        API2, "no Authorization, Basic, Token or bare scheme on protected endpoints", "401"
    ),
    "auth.enumeration-body": Row(
        API2, "login with unknown username vs wrong password", "identical 401 bodies"
    ),
    # --- object properties
    "mass-assignment.read-only": Row(
        API3,
        "id, owner_id or created_at (or unknown members) in POST/PATCH bodies",
        "422, nothing stored or changed",
    ),
    "exposure.exact-members": Row(
        API3,
        "responses carry more than the contract's members (say, a password hash)",
        "exactly the members",
    ),
    # --- resource consumption
    "size.body": Row(API4, "body over 64 KiB (70 KiB, 65,537 bytes)", "413 before parsing"),
    "size.request-target": Row(
        API4, "request target over 8 KiB (8,193 bytes to 64 KiB, path or query)", "414 problem"
    ),
    "size.long-values": Row(API4, "60,000-character name, 5,000-character token", "422 / 401"),
    "json.deep-nesting": Row(API4, "10,000 levels of [ or {", "400/422 within 5 s"),
    "json.huge-numbers": Row(
        API4, "5,000-digit integers and floats, 1e999999, 10**20", "400/422 within 5 s"
    ),
    "json.nan-infinity": Row(API4, "NaN, Infinity, -Infinity literals", "400/422"),
    "pagination.out-of-range": Row(
        API4, "limit 0/101/-1, offset -1/2**31/40 digits, limit capped at 100", "422 / 100 items"
    ),
    # --- input handling and error hygiene
    "encoding.invalid-utf8": Row(API8, "bytes not UTF-8, UTF-16 and UTF-32 bodies", "400"),
    "encoding.nul-bytes": Row(
        API8, "raw and escaped NUL in bodies, %00 in path and query", "400 / 422 / 404"
    ),
    "json.duplicate-members": Row(
        API8, "a member named twice (parser differential)", "400, nothing changed"
    ),
    "injection.sql-shaped": Row(
        API8,
        "SQL-shaped names, usernames, passwords, ids and query values",
        "stored verbatim / 401 / 404 / 422",
    ),
    "errors.no-leaks": Row(
        API8, "surrogates, odd paths, huge ids, every error status", "problem+json, no 500"
    ),
}


def attack_cases(table: Iterable[str], rows: Mapping[str, str]) -> list[Any]:
    """The cases of a parametrised table, those listed in ``rows`` tagged with their row.

    Use it as ``@pytest.mark.parametrize("case", attack_cases(TABLE, {...}))``; test ids
    stay the case names.
    """
    cases = list(table)
    unknown = sorted(set(rows) - set(cases))
    if unknown:
        raise ValueError(f"attack_cases: no such cases in the table: {unknown}")
    return [
        pytest.param(case, marks=pytest.mark.attack(rows[case])) if case in rows else case
        for case in cases
    ]


def markdown(attacks: Mapping[str, Mapping[str, Mapping[str, int]]]) -> str:
    """The matrix as a Markdown table, with each implementation's result from a summary."""
    impls = list(attacks)
    lines = [
        "| row | OWASP | attack | expected | " + " | ".join(impls) + " |",
        "|---|---|---|---|" + "---|" * len(impls),
    ]
    for row_id, row in MATRIX.items():
        cells = []
        for impl in impls:
            counts = attacks[impl].get(row_id, {})
            passed, failed = counts.get("passed", 0), counts.get("failed", 0)
            skipped = counts.get("skipped", 0)
            mark = "fail" if failed else "pass" if passed else "skipped" if skipped else "n/a"
            cells.append(f"{mark} {passed}/{passed + failed}" if passed + failed else mark)
        owasp = row.owasp.split(" ", 1)[0]
        lines.append(
            f"| `{row_id}` | {owasp} | {row.attack} | {row.expected} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    summary = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(markdown(summary.get("attacks", {})))
