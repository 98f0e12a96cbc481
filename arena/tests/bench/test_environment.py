from arena.bench import environment


def test_two_cores_are_not_split():
    pinning = environment.pinning([0, 1], taskset=True)
    assert not pinning.active
    assert pinning.prefix() == []
    assert pinning.describe() == "not pinned (2 cores)"


def test_four_cores_give_the_load_generator_the_last_one():
    pinning = environment.pinning([0, 1, 2, 3], taskset=True)
    assert pinning.prefix() == ["taskset", "-c", "3"]
    assert pinning.others == (0, 1, 2)
    assert "pinned to CPU 3 with taskset" in pinning.describe()


def test_without_taskset_nothing_is_pinned_and_the_page_says_why():
    pinning = environment.pinning([0, 1, 2, 3, 4, 5, 6, 7], taskset=False)
    assert not pinning.active
    assert pinning.describe() == "not pinned (no taskset on this machine)"


def test_confining_without_pinning_changes_nothing():
    environment.pinning([0, 1], taskset=True).confine(1)
