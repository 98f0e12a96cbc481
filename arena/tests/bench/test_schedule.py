from arena.bench.schedule import interleaved


def test_every_contestant_once_per_round_never_all_of_one_first():
    order = interleaved(["A", "B", "C"], 3)
    assert [c for _, c in order] == ["A", "B", "C", "B", "C", "A", "C", "A", "B"]
    assert [r for r, _ in order] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_no_contestant_runs_twice_in_a_row_within_a_round():
    order = [c for _, c in interleaved(["A", "B"], 4)]
    for start in range(0, len(order), 2):
        assert sorted(order[start : start + 2]) == ["A", "B"]


def test_empty():
    assert interleaved([], 3) == []
