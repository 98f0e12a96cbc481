import httpx

from arena.bench.scenarios import BY_NAME, check

ITEM = {"id": 1, "name": "n", "price_cents": 1, "owner_id": 2, "created_at": "x"}


def _response(status, body, headers=None):
    return httpx.Response(status, json=body, headers=headers)


def test_a_correct_item_passes():
    assert check(BY_NAME["items_get"], _response(200, ITEM)) == []


def test_wrong_status_and_extra_members_are_reported():
    assert check(BY_NAME["items_create"], _response(200, ITEM)) == ["status 200, expected 201"]
    problems = check(BY_NAME["items_get"], _response(200, {**ITEM, "extra": 1}))
    assert len(problems) == 1
    assert "members" in problems[0]


def test_list_needs_the_total_count_header():
    assert check(BY_NAME["items_list"], _response(200, [ITEM])) == [
        "no numeric X-Total-Count header"
    ]
    ok = _response(200, [ITEM], headers={"X-Total-Count": "10"})
    assert check(BY_NAME["items_list"], ok) == []


def test_health_body_is_exact():
    assert check(BY_NAME["health"], _response(200, {"status": "ok", "database": "ok"})) == []
    assert check(BY_NAME["health"], _response(503, {})) == ["status 503, expected 200"]
