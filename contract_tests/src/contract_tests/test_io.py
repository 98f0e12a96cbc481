"""Level io: GET /items/{id}/enriched fans out to the downstream service concurrently.

Each test uses an item of its own, and tells the downstream simulator what calls for
that item get (``PUT /behaviour/{item}``) and later how many arrived and how many were
in flight at once (``GET /stats/{item}``): tests running in parallel never meet, and
concurrency is seen without timing anything.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.support import check_item, expect, expect_json, expect_problem


def _enriched(item_id: int | str, fanout: object = None) -> str:
    path = f"/items/{item_id}/enriched"
    return path if fanout is None else f"{path}?fanout={fanout}"


def _behave(downstream: httpx.Client, item_id: int, **behaviour: Any) -> None:
    answer = downstream.put(f"/behaviour/{item_id}", json=behaviour)
    assert answer.status_code == 200, answer.text


def _stats(downstream: httpx.Client, item_id: int) -> dict[str, int]:
    found: dict[str, int] = downstream.get(f"/stats/{item_id}").json()
    return found


@pytest.fixture
def fresh_item(client: httpx.Client, auth_headers: dict[str, str]) -> dict[str, Any]:
    return support.create_item(client, auth_headers)


@pytest.mark.contract("io.enriched.ok")
@pytest.mark.parametrize("fanout", [None, 1, 3, 16])
def test_the_item_and_every_part_in_order(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
    fanout: int | None,
) -> None:
    answer = client.get(_enriched(fresh_item["id"], fanout), headers=auth_headers)
    body = expect_json(answer, 200, "an enriched item is the item and its parts (io.enriched.ok)")
    if not isinstance(body, dict) or set(body) != {"item", "parts"}:
        support.fail(answer, "be exactly {'item': Item, 'parts': [...]} (io.enriched.ok)")
    assert check_item(body["item"], "item") == fresh_item
    wanted = 1 if fanout is None else fanout
    parts = body["parts"]
    if not isinstance(parts, list) or len(parts) != wanted:
        support.fail(answer, f"carry {wanted} parts, one per call (io.enriched.ok)")
    # The simulator's bodies, as received: they name their item and part.
    if [p.get("part") for p in parts] != [str(k) for k in range(wanted)] or any(
        p.get("item") != str(fresh_item["id"]) for p in parts
    ):
        support.fail(answer, "carry the downstream bodies in the order of part (io.enriched.ok)")
    assert _stats(downstream, fresh_item["id"])["calls"] == wanted


@pytest.mark.contract("io.enriched.concurrent")
@pytest.mark.parametrize("fanout", [4, 16])
def test_the_calls_are_in_flight_together(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
    fanout: int,
) -> None:
    # The simulator holds each call until all of them are in flight (up to 1.5 s): a
    # concurrent fan-out is released together however loaded the machine is, and a
    # sequential one never gathers. No clock decides the outcome.
    _behave(downstream, fresh_item["id"], gather=fanout)
    answer = client.get(_enriched(fresh_item["id"], fanout), headers=auth_headers)
    seen = _stats(downstream, fresh_item["id"])
    if seen["max_in_flight"] != fanout:
        support.fail(
            answer,
            f"have all {fanout} downstream calls in flight at once; the service saw at most "
            f"{seen['max_in_flight']} of {seen['calls']} together (io.enriched.concurrent)",
        )
    expect(answer, 200, "a slow but healthy downstream gives 200 (io.enriched.ok)")


@pytest.mark.contract("io.enriched.fanout")
@pytest.mark.parametrize(
    "fanout", ["0", "17", "-1", "2.5", "abc", "", "1e1", "99999999999999999999"]
)
def test_fanout_outside_1_to_16_is_422_and_calls_nothing(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
    fanout: str,
) -> None:
    answer = client.get(_enriched(fresh_item["id"], fanout), headers=auth_headers)
    expect_problem(answer, 422, "fanout is an integer 1..16 (io.enriched.fanout)", fields="fanout")
    assert _stats(downstream, fresh_item["id"])["calls"] == 0


@pytest.mark.contract("io.enriched.auth")
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-token"}], ids=["none", "bad"]
)
def test_without_a_valid_token_401_and_no_call(
    client: httpx.Client,
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
    headers: dict[str, str],
) -> None:
    answer = client.get(_enriched(fresh_item["id"], 2), headers=headers)
    support.expect_unauthorized(answer, "the enriched item needs a valid token (io.enriched.auth)")
    assert _stats(downstream, fresh_item["id"])["calls"] == 0


@pytest.mark.contract("io.enriched.not-found")
@pytest.mark.parametrize("item_id", ["999999999999", "abc", "-1", "99999999999999999999"])
def test_an_item_that_is_not_there_is_404_and_calls_nothing(
    client: httpx.Client, auth_headers: dict[str, str], downstream: httpx.Client, item_id: str
) -> None:
    answer = client.get(_enriched(item_id, 2), headers=auth_headers)
    expect_problem(answer, 404, "no such item (io.enriched.not-found)")
    if item_id.isdigit():
        assert _stats(downstream, int(item_id))["calls"] == 0


@pytest.mark.contract("io.enriched.bad-gateway")
@pytest.mark.parametrize(
    "behaviour",
    [{"status": 503}, {"status": 500}, {"status": 404}, {"drop": True}, {"not_json": True}],
    ids=["503", "500", "404", "dropped", "not-json"],
)
def test_a_failed_call_is_502(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
    behaviour: dict[str, Any],
) -> None:
    _behave(downstream, fresh_item["id"], **behaviour)
    answer = client.get(_enriched(fresh_item["id"], 3), headers=auth_headers)
    expect_problem(answer, 502, "a downstream failure is a bad gateway (io.enriched.bad-gateway)")


@pytest.mark.contract("io.enriched.timeout")
def test_a_call_that_hangs_is_504_within_the_timeout(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    downstream_seconds: float,
    fresh_item: dict[str, Any],
) -> None:
    _behave(downstream, fresh_item["id"], hang=True)
    started = time.monotonic()
    answer = client.get(_enriched(fresh_item["id"], 4), headers=auth_headers)
    took = time.monotonic() - started
    expect_problem(answer, 504, "a downstream call past the timeout (io.enriched.timeout)")
    # A bound the contract states, not a speed figure: the answer may not wait longer.
    if took > downstream_seconds + 1.0:
        support.fail(
            answer,
            f"answer within DOWNSTREAM_TIMEOUT_SECONDS ({downstream_seconds:g} s) plus one "
            f"second; it took {took:.1f} s (io.enriched.timeout)",
        )
    # Healthy again at once: the hung calls hold nothing that the next request needs.
    _behave(downstream, fresh_item["id"])
    expect(client.get(_enriched(fresh_item["id"], 4), headers=auth_headers), 200, "recovered")


@pytest.mark.contract("io.enriched.parallel")
def test_many_fan_outs_at_once_each_get_their_parts(
    client: httpx.Client,
    auth_headers: dict[str, str],
    downstream: httpx.Client,
    fresh_item: dict[str, Any],
) -> None:
    _behave(downstream, fresh_item["id"], ms=50)
    with ThreadPoolExecutor(32) as pool:
        answers = list(
            pool.map(
                lambda _: client.get(_enriched(fresh_item["id"], 4), headers=auth_headers),
                range(32),
            )
        )
    for answer in answers:
        body = expect_json(
            answer, 200, "every one of many parallel fan-outs (io.enriched.parallel)"
        )
        assert len(body["parts"]) == 4
    assert _stats(downstream, fresh_item["id"])["calls"] == 32 * 4
