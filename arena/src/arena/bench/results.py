"""The results document (JSON) and the figures derived from it.

Schema ``arena-bench/1`` (all times in seconds unless the key says ``_ms``)::

    {
      "schema": "arena-bench/1",
      "quick": bool,                      # a short run: figures are indicative only
      "environment": {date, cpu_count, cpu_model, memory_gb, os, python, packages{},
                      postgresql, database, wrk, git_commit,
                      git_dirty,                  # uncommitted changes outside generated pages
                      open_files_limit{soft, hard},   # null: unlimited
                      load_average_start[3], load_average_end[3]},
      "config": {rounds, duration_s, warmup_s, connections[], wrk_threads, workers,
                 coldstart_repeats, import_repeats, slo_p99_ms, seed_items, servers,
                 discard_first, smoke},           # smoke: every phase once, figures meaningless
      "targets": [{id: "fastapi/uvicorn", impl, server, kind: "implementation"|"baseline",
                   url, verified: bool, failures: [str]}],
      "import_time": {"python_pass_s": [..], "modules": {impl: {module, samples_s: [..]}}},
      "cold_start": {target id: {samples_s: [..], error: str|null}},
      "http": [{target, scenario, connections, round, result: {requests, duration_s, bytes,
                errors{connect,read,write,status,timeout}, error_count, rps,
                latency_ms{min,mean,stdev,p50,p90,p99,p999,max}}}],
      "queries": {"available": bool, "note": str,
                  "targets": {target id: {scenario: {requests, queries, transaction_control,
                                                     per_request, transaction_per_request,
                                                     top: [[statement, calls], ..]}}}},
      "memory": {target id: {after_warmup: {root, workers[], total}, after_load: {...}}},  # MiB
      "pgbench": [{mode, clients, tps, latency_ms, failed, transactions}],
      "footgun": {variant: {description, slow_path?, fast: wrk result, slow?: wrk result}},
      "code": {impl: {total, concerns{concern: lines}, files{path: [concern, lines]}}},
      "dependencies": {impl: {packages, installed_mb, distributions{name: version}}},
      "notes": [str]
    }

``http`` holds every repeat; medians and spreads are computed when reading, so the
raw numbers stay in the file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.bench.stats import Summary, summarise

SCHEMA = "arena-bench/1"


def save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not an {SCHEMA} results file")
    return data


@dataclass(frozen=True)
class HttpCell:
    """All repeats of one (target, scenario, connections)."""

    target: str
    scenario: str
    connections: int
    rps: Summary
    p50_ms: Summary
    p99_ms: Summary
    max_ms: Summary
    errors: int
    runs_with_errors: int

    @property
    def clean(self) -> bool:
        return self.errors == 0


def http_cells(results: dict[str, Any]) -> list[HttpCell]:
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for run in results.get("http", []):
        grouped[(run["target"], run["scenario"], int(run["connections"]))].append(run["result"])
    cells = []
    for (target, scenario, connections), runs in grouped.items():
        cells.append(
            HttpCell(
                target=target,
                scenario=scenario,
                connections=connections,
                rps=summarise([r["rps"] for r in runs]),
                p50_ms=summarise([r["latency_ms"]["p50"] for r in runs]),
                p99_ms=summarise([r["latency_ms"]["p99"] for r in runs]),
                max_ms=summarise([r["latency_ms"]["max"] for r in runs]),
                errors=sum(int(r["error_count"]) for r in runs),
                runs_with_errors=sum(1 for r in runs if int(r["error_count"]) > 0),
            )
        )
    return cells


def cell(cells: list[HttpCell], target: str, scenario: str, connections: int) -> HttpCell | None:
    for candidate in cells:
        if (candidate.target, candidate.scenario, candidate.connections) == (
            target,
            scenario,
            connections,
        ):
            return candidate
    return None


def throughput_at_objective(
    cells: list[HttpCell], target: str, scenario: str, p99_ms: float
) -> HttpCell | None:
    """The highest measured load whose median p99 is under ``p99_ms`` and had no errors."""
    eligible = [
        c
        for c in cells
        if c.target == target and c.scenario == scenario and c.clean and c.p99_ms.median < p99_ms
    ]
    return max(eligible, key=lambda c: c.rps.median, default=None)


def peak(cells: list[HttpCell], target: str, scenario: str) -> HttpCell | None:
    """The highest median throughput over all connection counts, errors or not."""
    matching = [c for c in cells if c.target == target and c.scenario == scenario]
    return max(matching, key=lambda c: c.rps.median, default=None)


def pgbench_ceiling(results: dict[str, Any], clients: int | None = None) -> float | None:
    """The best pgbench rate (either mode), at ``clients`` clients when given."""
    tps = [
        run["tps"]
        for run in results.get("pgbench", [])
        if not run["failed"] and (clients is None or run["clients"] == clients)
    ]
    return max(tps, default=None)


def noise(cells: list[HttpCell]) -> dict[str, float]:
    """max/min of throughput across repeats: median and worst over all cells with repeats."""
    spreads = sorted(c.rps.spread for c in cells if c.rps.n > 1 and c.rps.min > 0)
    if not spreads:
        return {}
    return {"median": spreads[len(spreads) // 2], "worst": spreads[-1], "cells": len(spreads)}
