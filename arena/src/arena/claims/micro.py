"""In-process micro-benchmarks for the claims lab, run in a fresh interpreter.

``python -m arena.claims.micro`` prints one JSON document on stdout::

    {"python": "3.11.7", "packages": {name: version},
     "benchmarks": {benchmark: {"n": {"20": {variant: {samples_s: [..], number: k}}}}}}

Each sample is the seconds for ONE call (a whole list of ``n`` items), the mean of
``number`` back-to-back calls; variants are interleaved (A B C A B C ...) so a slow
moment of a shared machine hits every variant alike.

The subjects live in ``bench/micro/`` (one module per benchmark: ``BENCHMARK``,
``ORDER``, ``variants(n)``), loaded here by path, so the harness imports no
implementation; they configure Django for themselves (no database: only unsaved
model instances are serialised), which is why this runs in its own process rather
than inside ``arena`` or pytest.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import importlib.util
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from arena.project import root

SIZES = (1, 20, 100)
REPEATS = 7
# Calls per sample: enough that one sample lasts about this long.
TARGET_SAMPLE_S = 0.01
PACKAGES = ("pydantic", "marshmallow", "djangorestframework", "django", "msgspec")

Variant = Callable[[], object]


@dataclass(frozen=True)
class Subject:
    benchmark: str
    order: int
    variants: Callable[[int], dict[str, Variant]]


def subjects_dir() -> Path:
    return root() / "bench" / "micro"


def _load(path: Path) -> ModuleType:
    # A name of our own: a subject file may share its name with another module.
    spec = importlib.util.spec_from_file_location(f"arena_micro_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered first, as an import would: msgspec and pydantic resolve a class's
    # annotations through its module in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def subjects(directory: Path | None = None) -> list[Subject]:
    """Every subject module in ``bench/micro/`` (``_*.py`` are their shared code), in order."""
    directory = directory or subjects_dir()
    # Appended, not prepended: the subjects' shared modules resolve, the standard
    # library still wins over any file of the same name.
    if str(directory) not in sys.path:
        sys.path.append(str(directory))
    found = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = _load(path)
        found.append(Subject(module.BENCHMARK, int(module.ORDER), module.variants))
    return sorted(found, key=lambda subject: (subject.order, subject.benchmark))


def calibrate(variant: Variant) -> int:
    """Calls per sample so that one sample lasts about ``TARGET_SAMPLE_S``."""
    number = 1
    while True:
        started = time.perf_counter()
        for _ in range(number):
            variant()
        elapsed = time.perf_counter() - started
        if elapsed >= TARGET_SAMPLE_S / 5 or number >= 100_000:
            return max(1, int(number * TARGET_SAMPLE_S / max(elapsed, 1e-9)))
        number *= 10


def measure(variants: dict[str, Variant], repeats: int) -> dict[str, dict[str, Any]]:
    """Interleaved repeats: one sample of each variant per round."""
    numbers = {}
    for name, variant in variants.items():
        variant()  # warm up: first-call caches (serializer fields, schema builds)
        numbers[name] = calibrate(variant)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, variant in variants.items():
            number = numbers[name]
            started = time.perf_counter()
            for _ in range(number):
                variant()
            samples[name].append((time.perf_counter() - started) / number)
    return {name: {"samples_s": samples[name], "number": numbers[name]} for name in variants}


def run(
    sizes: tuple[int, ...] = SIZES, repeats: int = REPEATS, directory: Path | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for subject in subjects(directory):
        out[subject.benchmark] = {
            "n": {str(n): measure(subject.variants(n), repeats) for n in sizes}
        }
    return {
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "repeats": repeats,
        "benchmarks": out,
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",") if n.strip())
    json.dump(run(sizes, args.repeats), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
