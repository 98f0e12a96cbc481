"""Schema-driven fuzzing: Schemathesis against each server's own OpenAPI document.

Opt-in (``--fuzz`` or ``CONTRACT_FUZZ=1``): without it, conftest.py deselects every
test here, so the default suite stays fast. ``--fuzz-examples N`` sets the examples
per operation and generation phase.

Each server is fuzzed with its own ``/openapi.json``, with every check Schemathesis
has (:data:`CHECKS`), positive and negative data, and a bearer token of a user
registered for the run, so authenticated operations are exercised too. The
stateful test chains calls along the links Schemathesis infers (``POST /items``
gives an id for ``GET``, ``PATCH`` and ``DELETE /items/{id}``).

A few checks cannot hold for this contract whatever the implementation does; each
is switched off for exactly the operation where it cannot hold, in
:func:`fuzz_config`, with the reason (docs/security.md lists them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contract_tests import support
from contract_tests.plugin import Target, fuzz_examples

pytestmark = pytest.mark.fuzz

# Every check this Schemathesis version registers (the equivalent of ``--checks all``);
# ``test_every_check_is_enabled`` fails when an upgrade brings one this list lacks.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)

# The item path in any document (``{item_id}`` in one, ``{id}`` in another).
ITEM_PATH_REGEX = r"^/items/\{[^}]+\}$"


def bearer_scheme_names(document: dict[str, Any]) -> list[str]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    return [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
    ]


def fuzz_config(
    document: dict[str, Any], base_url: str, token: str, examples: int
) -> schemathesis.Config:
    """The Schemathesis configuration for one server: all checks, both data modes."""
    checks: dict[str, Any] = {name: {"enabled": True} for name in CHECKS}
    operations: list[dict[str, Any]] = [
        {
            # The contract makes GET /items/{id} public: everyone reads everyone's
            # items (items.retrieve.ok). object_level_authorization expects a second
            # identity to be refused, which would break the contract.
            "include-method": "GET",
            "include-path-regex": ITEM_PATH_REGEX,
            "checks": {"object_level_authorization": {"enabled": False}},
        },
    ]
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "request-timeout": 10,
            "suppress-health-check": ["all"],
            "generation": {
                "mode": "all",
                "max-examples": examples,
                # No .hypothesis/ directory in the working tree; failures are
                # reported with the request that reproduces them.
                "database": "none",
            },
            "checks": checks,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {
                    "enabled": True,
                    "max-steps": 10,
                    "inference": {"algorithms": ["location-headers", "dependency-analysis"]},
                },
            },
            "auth": {
                "openapi": {name: {"bearer": token} for name in bearer_scheme_names(document)}
            },
            "operations": operations,
        }
    )


@pytest.fixture(scope="session")
def fuzz_schema(impl: Target, client: httpx.Client, pytestconfig: pytest.Config) -> OpenApiSchema:
    """The server's own OpenAPI document, loaded by Schemathesis with a fuzz user's token."""
    document = support.expect_json(
        client.get("/openapi.json"), 200, "the API publishes its OpenAPI document"
    )
    account = support.register(client, support.unique_username("fz"))
    token = account.headers(client)["Authorization"].removeprefix("Bearer ")
    config = fuzz_config(document, impl.url, token, fuzz_examples(pytestconfig))
    schema = schemathesis.openapi.from_dict(document, config=config)
    if str(document.get("openapi", "")).startswith("3.1"):
        schema.hook("map_body")(json_integers_only)
    return schema


def json_integers_only(context: schemathesis.HookContext, body: Any) -> Any:
    """Send ``473.0`` as ``473`` when a 3.1 document allows it.

    JSON Schema 2020-12 (OpenAPI 3.1) counts any number with a zero fraction as an
    ``integer``, so a generator may send ``473.0`` as valid data. The contract refuses
    it (items.create.price-integer-only: only JSON integers), and no JSON Schema can
    say "written without a fraction", so positive_data_acceptance would fail on a
    deliberate rule. The suite checks the refusal itself (test_price_must_be_integer);
    here such numbers are sent as the integers they equal. OpenAPI 3.0 documents are
    left alone: there, ``473.0`` is not an integer and is generated as invalid data.
    """
    if isinstance(body, dict):
        return {
            key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in body.items()
        }
    return body


lazy_schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis' lazy-schema runner reads and relabels ``node._nodeid``, which pytest 9.2
    no longer has (the id lives in ``node._id``). Give it the attribute it reads; pytest
    keeps reporting the real node id, and each operation is reported as a subtest."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@lazy_schema.parametrize()
@pytest.mark.contract("openapi.accurate", "errors.no-leaks")
def test_fuzz_each_operation(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    """Every operation, with generated valid and invalid input, answers as documented.

    One answer stands outside the documents: a generated target longer than the
    contract's limit (repeated query parameters, long strings) is 414 on any path
    (general.request-target-limit), and no document lists 414 on every operation. Such
    a case is checked against that rule instead of the document.
    """
    response = case.call()
    if target_length(response.request.url or "") > TARGET_LIMIT:
        assert response.status_code == 414, (
            f"a {target_length(response.request.url or '')}-byte target answered "
            f"{response.status_code}, not 414 (general.request-target-limit)"
        )
        assert response.headers.get("content-type", [""])[0].startswith(
            "application/problem+json"
        ), "414 without a problem body"
        return
    case.validate_response(response)


# general.request-target-limit: the longest target served as usual, in bytes.
TARGET_LIMIT = 8192


def target_length(url: str) -> int:
    """Bytes of the request target as sent: the path and the query string."""
    parts = urlsplit(url)
    return len(parts.path) + (len(parts.query) + 1 if parts.query else 0)


@pytest.mark.contract("openapi.accurate", "errors.no-leaks")
def test_fuzz_stateful_sequences(fuzz_schema: OpenApiSchema) -> None:
    """Sequences along the inferred links (create, read, update, delete) answer as documented."""
    # Links come from the location-headers and dependency-analysis inference (the
    # documents declare none): 10 transitions per document, e.g. POST /items -> 201 ->
    # GET, PATCH and DELETE /items/{id}. --fuzz-examples sets the number of sequences.
    machine = fuzz_schema.as_state_machine()
    machine.run(settings=fuzz_schema.config.get_hypothesis_settings(phase="stateful"))


@pytest.mark.contract("openapi.accurate")
def test_every_check_is_enabled() -> None:
    """CHECKS names every check Schemathesis has, so none is silently left out."""
    load_all_checks()
    from schemathesis.checks import CHECKS as REGISTRY

    missing = sorted(set(REGISTRY.get_all_names()) - set(CHECKS))
    assert not missing, f"Schemathesis has checks the fuzz tests do not enable: {missing}"
