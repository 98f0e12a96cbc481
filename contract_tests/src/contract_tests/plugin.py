"""Command-line options and the ``contract`` marker for the contract suite.

This module is registered as a pytest plugin (entry point ``contract``), so it is
loaded by every pytest run in an environment where the suite is installed. It
therefore only declares options and the marker; the fixtures and the
parametrisation live in the package's ``conftest.py``, which pytest loads only
when it collects the suite itself. Other test runs never see them.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

# The project's development secret, repeated here on purpose: the suite talks to
# servers over HTTP only and must not import the project's own packages.
DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"

BASE_URLS_ENV = "CONTRACT_BASE_URLS"
DOWN_BASE_URLS_ENV = "CONTRACT_DOWN_BASE_URLS"
DATABASE_URL_ENV = "CONTRACT_DATABASE_URL"
JWT_SECRET_ENV = "JWT_SECRET"
JWT_TTL_ENV = "JWT_TTL_SECONDS"
FUZZ_ENV = "CONTRACT_FUZZ"
FUZZ_EXAMPLES_ENV = "CONTRACT_FUZZ_EXAMPLES"
SECTIONS_ENV = "CONTRACT_SECTIONS"
LEVELS_ENV = "CONTRACT_LEVELS"
DOWNSTREAM_URL_ENV = "CONTRACT_DOWNSTREAM_URL"
DOWNSTREAM_TIMEOUT_ENV = "DOWNSTREAM_TIMEOUT_SECONDS"
# docs/contract.md, "Conformance levels": a rule belongs to the level its section is
# named after (io.enriched.ok: level io); every other rule is in core.
CORE = "core"
LEVELS = (CORE, "io")
DEFAULT_DOWNSTREAM_TIMEOUT = 2.0
# Examples per operation and phase when fuzzing: enough to find the usual faults while a
# run over three servers stays within a couple of minutes on a small machine.
DEFAULT_FUZZ_EXAMPLES = 25
# The servers' default token lifetime, like DEV_JWT_SECRET repeated from the project.
DEFAULT_JWT_TTL = 3600
DEFAULT_NAME = "impl"

USAGE = (
    "the contract suite needs the base URL of at least one running server: "
    "pass --base-url NAME=URL (repeatable, e.g. --base-url fastapi=http://127.0.0.1:8001) "
    f"or set {BASE_URLS_ENV}=name=url,name=url"
)


@dataclass(frozen=True)
class Target:
    """One server under test: a short name (used in test ids) and its base URL."""

    name: str
    url: str


def parse_targets(values: list[str], option: str) -> list[Target]:
    """Turn ``NAME=URL`` (or a bare URL) values into targets with unique names."""
    targets: list[Target] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        name, sep, url = value.partition("=")
        if not sep or "://" in name:
            name, url = DEFAULT_NAME, value
        name, url = name.strip(), url.strip().rstrip("/")
        if not name or not url.startswith(("http://", "https://")):
            raise pytest.UsageError(
                f"{option} {raw!r}: expected NAME=URL with an http(s) URL, "
                "e.g. fastapi=http://127.0.0.1:8001"
            )
        if any(t.name == name for t in targets):
            raise pytest.UsageError(f"{option}: the name {name!r} is given twice")
        targets.append(Target(name, url))
    return targets


def _option_or_env(config: pytest.Config, dest: str, env: str) -> list[str]:
    given: list[str] | None = config.getoption(dest)
    if given:
        return given
    return os.environ.get(env, "").split(",")


def base_targets(config: pytest.Config) -> list[Target]:
    return parse_targets(_option_or_env(config, "contract_base_urls", BASE_URLS_ENV), "--base-url")


def down_targets(config: pytest.Config) -> list[Target]:
    return parse_targets(
        _option_or_env(config, "contract_down_base_urls", DOWN_BASE_URLS_ENV), "--down-base-url"
    )


def database_url(config: pytest.Config) -> str | None:
    """The servers' database, for the few tests marked white-box (None: they skip)."""
    given: str | None = config.getoption("contract_database_url")
    return given or os.environ.get(DATABASE_URL_ENV) or None


def jwt_secret(config: pytest.Config) -> str:
    given: str | None = config.getoption("contract_jwt_secret")
    return given or os.environ.get(JWT_SECRET_ENV) or DEV_JWT_SECRET


def jwt_ttl(config: pytest.Config) -> int:
    given: str | None = config.getoption("contract_jwt_ttl") or os.environ.get(JWT_TTL_ENV)
    if not given:
        return DEFAULT_JWT_TTL
    if not given.isdigit() or int(given) <= 0:
        raise pytest.UsageError(f"--jwt-ttl / {JWT_TTL_ENV}: expected seconds, got {given!r}")
    return int(given)


def fuzz_enabled(config: pytest.Config) -> bool:
    """Whether the schema-driven fuzz tests run (``--fuzz`` or ``CONTRACT_FUZZ=1``)."""
    if config.getoption("contract_fuzz"):
        return True
    return os.environ.get(FUZZ_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def fuzz_examples(config: pytest.Config) -> int:
    given: str | None = config.getoption("contract_fuzz_examples") or os.environ.get(
        FUZZ_EXAMPLES_ENV
    )
    if not given:
        return DEFAULT_FUZZ_EXAMPLES
    if not given.isdigit() or int(given) <= 0:
        raise pytest.UsageError(
            f"--fuzz-examples / {FUZZ_EXAMPLES_ENV}: expected a positive integer, got {given!r}"
        )
    return int(given)


def sections(config: pytest.Config) -> frozenset[str]:
    """Contract sections to run (``--contract-sections``); empty means every section."""
    given: str | None = config.getoption("contract_sections") or os.environ.get(SECTIONS_ENV)
    return frozenset(name.strip() for name in (given or "").split(",") if name.strip())


def levels(config: pytest.Config) -> frozenset[str]:
    """Conformance levels to test (``--levels``, default core)."""
    given: str | None = config.getoption("contract_levels") or os.environ.get(LEVELS_ENV)
    chosen = frozenset(name.strip() for name in (given or CORE).split(",") if name.strip())
    unknown = sorted(chosen - set(LEVELS))
    if unknown:
        raise pytest.UsageError(
            f"--levels: unknown level(s) {', '.join(unknown)}; the contract has {', '.join(LEVELS)}"
        )
    return chosen


def level_of(rule: str) -> str:
    head = rule.split(".", 1)[0]
    return head if head in LEVELS else CORE


def downstream_url(config: pytest.Config) -> str | None:
    """The downstream simulator the servers call (level io): the suite sets its behaviour."""
    given: str | None = config.getoption("contract_downstream_url")
    return (given or os.environ.get(DOWNSTREAM_URL_ENV) or "").rstrip("/") or None


def downstream_timeout(config: pytest.Config) -> float:
    given: str | None = config.getoption("contract_downstream_timeout") or os.environ.get(
        DOWNSTREAM_TIMEOUT_ENV
    )
    if not given:
        return DEFAULT_DOWNSTREAM_TIMEOUT
    try:
        value = float(given)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise pytest.UsageError(
            f"--downstream-timeout / {DOWNSTREAM_TIMEOUT_ENV}: expected seconds, got {given!r}"
        )
    return value


DOWNSTREAM_USAGE = (
    "level io needs the downstream service the servers call: pass --downstream-url URL "
    f"(or set {DOWNSTREAM_URL_ENV}), e.g. http://127.0.0.1:8400 for `python -m downstream`, "
    "and start the servers with DOWNSTREAM_URL=http://127.0.0.1:8400/work"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "API contract suite (contract_tests)")
    group.addoption(
        "--base-url",
        action="append",
        dest="contract_base_urls",
        default=[],
        metavar="NAME=URL",
        help=(
            "a server to test, e.g. fastapi=http://127.0.0.1:8001 (repeatable; a bare URL "
            f"is named '{DEFAULT_NAME}'). Fallback: env {BASE_URLS_ENV}=name=url,name=url."
        ),
    )
    group.addoption(
        "--down-base-url",
        action="append",
        dest="contract_down_base_urls",
        default=[],
        metavar="NAME=URL",
        help=(
            "a server started against an unreachable database, for the health.database-down "
            f"tests (repeatable). Fallback: env {DOWN_BASE_URLS_ENV}."
        ),
    )
    group.addoption(
        "--jwt-secret",
        dest="contract_jwt_secret",
        default=None,
        metavar="SECRET",
        help=f"the servers' JWT_SECRET (default: env {JWT_SECRET_ENV}, else the dev default).",
    )
    group.addoption(
        "--database-url",
        dest="contract_database_url",
        default=None,
        metavar="URL",
        help=(
            "the servers' PostgreSQL database, used only by the tests marked white_box (to "
            f"delete a user row behind the API). Fallback: env {DATABASE_URL_ENV}."
        ),
    )
    group.addoption(
        "--contract-summary",
        dest="contract_summary",
        default=None,
        metavar="PATH",
        help="write a JSON summary of the results keyed by implementation and contract rule.",
    )
    group.addoption(
        "--jwt-ttl",
        dest="contract_jwt_ttl",
        default=None,
        metavar="SECONDS",
        help=(
            f"the servers' JWT_TTL_SECONDS, the expected expires_in (default: env {JWT_TTL_ENV}, "
            f"else {DEFAULT_JWT_TTL})."
        ),
    )
    group.addoption(
        "--fuzz",
        action="store_true",
        dest="contract_fuzz",
        default=False,
        help=(
            "also run the schema-driven fuzz tests (Schemathesis, test_fuzz.py); without it "
            f"they are deselected. Fallback: env {FUZZ_ENV}=1."
        ),
    )
    group.addoption(
        "--contract-sections",
        dest="contract_sections",
        default=None,
        metavar="NAMES",
        help=(
            "run only the tests of these docs/contract.md sections, comma-separated (the part "
            "of a rule id before its first dot, e.g. concurrency,errors). Fallback: env "
            f"{SECTIONS_ENV}."
        ),
    )
    group.addoption(
        "--levels",
        dest="contract_levels",
        default=None,
        metavar="LEVELS",
        help=(
            f"conformance levels to test, comma-separated ({', '.join(LEVELS)}; default "
            f"{CORE}): the rules of other levels are deselected. Fallback: env {LEVELS_ENV}."
        ),
    )
    group.addoption(
        "--downstream-url",
        dest="contract_downstream_url",
        default=None,
        metavar="URL",
        help=(
            "the downstream simulator the servers call (level io), e.g. http://127.0.0.1:8400. "
            f"Fallback: env {DOWNSTREAM_URL_ENV}."
        ),
    )
    group.addoption(
        "--downstream-timeout",
        dest="contract_downstream_timeout",
        default=None,
        metavar="SECONDS",
        help=(
            "the servers' DOWNSTREAM_TIMEOUT_SECONDS (level io; default "
            f"{DEFAULT_DOWNSTREAM_TIMEOUT}). Fallback: env {DOWNSTREAM_TIMEOUT_ENV}."
        ),
    )
    group.addoption(
        "--fuzz-examples",
        dest="contract_fuzz_examples",
        default=None,
        metavar="N",
        help=(
            "examples per operation and generation phase when fuzzing (default: env "
            f"{FUZZ_EXAMPLES_ENV}, else {DEFAULT_FUZZ_EXAMPLES})."
        ),
    )


def collects_suite(config: pytest.Config) -> bool:
    """Whether the command line points at this package (or a directory holding it)."""
    package = Path(__file__).resolve().parent
    for arg in config.args:
        target = arg.split("::", 1)[0]
        if config.option.pyargs and (
            target == "contract_tests" or target.startswith("contract_tests.")
        ):
            return True
        path = (config.invocation_params.dir / target).resolve()
        if path == package or path in package.parents or package in path.parents:
            return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "contract(*rule_ids): the docs/contract.md rule(s) a contract test checks",
    )
    config.addinivalue_line(
        "markers",
        "attack(*row_ids): the rows of the attack matrix (contract_tests.attacks) a test covers",
    )
    config.addinivalue_line(
        "markers",
        "white_box: reaches the servers' database directly (needs --database-url)",
    )
    config.addinivalue_line(
        "markers",
        "fuzz: a schema-driven fuzz test; deselected unless --fuzz (or CONTRACT_FUZZ=1) is given",
    )
    # Fail before any collection (and before pytest-xdist starts workers) when the
    # suite is requested without a server to test; conftest.py checks again for
    # command lines this cannot recognise.
    if not config.option.help and collects_suite(config):
        if not base_targets(config):
            raise pytest.UsageError(USAGE)
        if "io" in levels(config) and not downstream_url(config):
            raise pytest.UsageError(DOWNSTREAM_USAGE)
    _register_summary(config)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = sections(config)
    if not collects_suite(config) and not wanted:
        return
    chosen_levels = levels(config)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        rules = [str(rule) for marker in item.iter_markers("contract") for rule in marker.args]
        in_levels = not rules or all(level_of(r) in chosen_levels for r in rules)
        in_sections = not wanted or any(r.split(".", 1)[0] in wanted for r in rules)
        (keep if in_levels and in_sections else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# Set on every suite item by conftest.py, carried to the controller by xdist in each report.
RULES_PROPERTY = "contract_rules"
ATTACKS_PROPERTY = "contract_attacks"
TARGET_PROPERTY = "contract_target"
CROSS = "cross-implementation"


class SummaryWriter:
    """Collects each test's outcome per implementation and rule; writes them as JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
        )
        # The same per attack-matrix row, for docs/security.md.
        self.attacks: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # One outcome per test: the call's, or the setup's when setup failed or skipped.
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        properties = dict(report.user_properties)
        target = properties.get(TARGET_PROPERTY)
        if target is None:
            return
        for rule in str(properties.get(RULES_PROPERTY, "")).split(","):
            if rule:
                self.counts[str(target)][rule][report.outcome] += 1
        for row in str(properties.get(ATTACKS_PROPERTY, "")).split(","):
            if row:
                self.attacks[str(target)][row][report.outcome] += 1

    def pytest_sessionfinish(self) -> None:
        summary = {
            "implementations": {
                target: dict(sorted(rules.items())) for target, rules in self.counts.items()
            },
            "attacks": {
                target: dict(sorted(rows.items())) for target, rows in self.attacks.items()
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def _register_summary(config: pytest.Config) -> None:
    path = config.getoption("contract_summary")
    # Under pytest-xdist only the controller writes; workers send it their reports.
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(SummaryWriter(Path(path)), "contract-summary")
