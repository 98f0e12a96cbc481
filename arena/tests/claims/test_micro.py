"""The micro-benchmark harness and its subjects in bench/micro/ (loaded by path)."""

import ast
from pathlib import Path

from arena.claims import micro

ARENA_SRC = Path(micro.__file__).parents[1]


def test_the_harness_imports_no_implementation():
    offenders = []
    for path in ARENA_SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("impl_")]
    assert offenders == []


def test_the_subjects_of_claims_5_and_6_are_found_in_bench_micro():
    found = micro.subjects()
    assert [s.benchmark for s in found] == ["serializers", "codecs"]


def test_a_subject_is_a_module_with_its_variants(tmp_path):
    (tmp_path / "_numbers.py").write_text("VALUE = 3\n")
    (tmp_path / "sums.py").write_text(
        "import _numbers\n"
        "BENCHMARK = 'sums'\nORDER = 1\n"
        "def variants(n):\n"
        "    return {'builtin': lambda: sum(range(n * _numbers.VALUE)),\n"
        "            'loop': lambda: [i for i in range(n)]}\n"
    )
    out = micro.run(sizes=(1, 10), repeats=3, directory=tmp_path)
    timed = out["benchmarks"]["sums"]["n"]["10"]
    assert set(timed) == {"builtin", "loop"}
    assert all(len(v["samples_s"]) == 3 and v["number"] >= 1 for v in timed.values())
    assert out["repeats"] == 3
