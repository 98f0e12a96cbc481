"""The results document (JSON) and the figures derived from it.

Schema ``arena-bench/2`` (all times in seconds unless the key says ``_ms``/``_us``)::

    {
      "schema": "arena-bench/2",
      "quick": bool,                      # a short run: figures are indicative only
      "environment": {date, cpu_count, cpu_model, memory_gb, os, python, packages{},
                      postgresql, database, wrk, hey, git_commit,
                      git_dirty,                  # uncommitted changes outside generated pages
                      pinning,                    # what ran on which CPU, or why nothing was pinned
                      open_files_limit{soft, hard},   # null: unlimited
                      load_average_start[3], load_average_end[3]},
      "config": {rounds, duration_s, warmup_s, connections[], wrk_threads, workers,
                 coldstart_repeats, import_repeats, slo_p99_ms, seed_items, servers,
                 discard_first, smoke,            # smoke: every phase once, figures meaningless
                 open_loop{enabled, fractions[], rounds, duration_s}, usage_sample_s,
                 profile{enabled, connections, duration_s}},
      "targets": [{id: "fastapi/uvicorn", impl, server, kind: "implementation"|"baseline",
                   url, verified: bool, failures: [str]}],
      "import_time": {"python_pass_s": [..], "modules": {impl: {module, samples_s: [..]}}},
      "cold_start": {target id: {samples_s: [..], error: str|null}},
      "pgbench": [{mode, clients, tps, latency_ms, failed, transactions}],
      "footgun": {variant: {description, slow_path?, fast: wrk result, slow?: wrk result}},
      "code": {impl: {total, concerns{concern: lines}, files{path: [concern, lines]}}},
      "dependencies": {impl: {packages, installed_mb, distributions{name: version}}},
      "workloads": {name: {...}},         # one section per workload module, its own shape
      "notes": [str]
    }

The ``crud`` workload's section (``arena.bench.workloads.crud``)::

    {"http": [{target, scenario, connections, round,
               result: {requests, duration_s, bytes, errors{connect,read,write,status,timeout},
                        error_count, rps, latency_ms{min,mean,stdev,p50,p90,p99,p999,max}},
               usage: {wall_s, server_cpu_s, postgres_cpu_s, generator_cpu_s, samples,
                       workers: [{pid, root, cpu_s, connections}]}}],   # absent for a remote target
     "queries": {"available": bool, "note": str, "track_utility": bool|null,
                 "targets": {target id: {scenario: {requests, queries, transaction_control,
                                                    utility, round_trips, per_request,
                                                    transaction_per_request,
                                                    round_trips_per_request,
                                                    top: [[statement, calls], ..]}}}},
     "memory": {target id: {after_warmup: {root, workers[], total}, after_load: {...}}},  # MiB
     "open_loop": {"tool": str, "note": str,
                   "runs": [{target, scenario, fraction, capacity_rps, round,
                             plan: {rate, processes, workers, per_worker_qps},
                             result: {offered_rps, achieved_rps, requests, duration_s,
                                      latency_ms{p50,p90,p99,max,mean}, statuses{}, error_count,
                                      late, burst, generator_cpu_s, held_rate}}]},
     "profiles": {"scenario", "connections", "duration_s", "files": {target id: path},
                  "errors": {target id: str}}}          # paths relative to results.json

``http`` holds every repeat; medians and spreads are computed when reading, so the
raw numbers stay in the file. An ``arena-bench/1`` file (the CRUD figures at the
top level) is migrated when it is loaded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.bench.stats import Summary, summarise

SCHEMA = "arena-bench/2"
V1 = "arena-bench/1"
# The keys arena-bench/1 kept at the top level, now the crud workload's own.
V1_CRUD_KEYS = ("http", "queries", "memory")


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """An ``arena-bench/1`` document in the current shape (a copy; the input is kept)."""
    if data.get("schema") == SCHEMA:
        return data
    if data.get("schema") != V1:
        raise ValueError(f"not an arena-bench results document: schema {data.get('schema')!r}")
    out = {key: value for key, value in data.items() if key not in V1_CRUD_KEYS}
    out["schema"] = SCHEMA
    crud = {key: data[key] for key in V1_CRUD_KEYS if key in data}
    if "queries" in crud:
        crud["queries"] = _v1_round_trips(crud["queries"])
    out["workloads"] = {"crud": crud}
    return out


def _v1_round_trips(info: dict[str, Any]) -> dict[str, Any]:
    """Round trips of a v1 count: every statement it counted (session statements among the
    queries), all of them when BEGIN/COMMIT appear (utility tracking was on)."""
    counts = [c for by in info.get("targets", {}).values() for c in by.values()]
    tracked = any(c.get("transaction_control") for c in counts) or None
    targets = {
        target: {
            scenario: {
                **count,
                "round_trips": count["queries"] + count["transaction_control"],
                "round_trips_per_request": (count["queries"] + count["transaction_control"])
                / count["requests"],
            }
            for scenario, count in by.items()
        }
        for target, by in info.get("targets", {}).items()
    }
    return {**info, "track_utility": tracked, "targets": targets}


def save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    if data.get("schema") not in (SCHEMA, V1):
        raise ValueError(f"{path}: not an {SCHEMA} results file")
    return migrate(data)


def workload(results: dict[str, Any], name: str) -> dict[str, Any]:
    """One workload's section (empty when that workload did not run)."""
    section: dict[str, Any] = results.get("workloads", {}).get(name, {})
    return section


def crud_runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = workload(results, "crud").get("http", [])
    return runs


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
    server_cpu_us: Summary | None = None
    """Server CPU (its whole process tree) per request, in microseconds."""
    postgres_cpu_us: Summary | None = None
    generator_cpu_us: Summary | None = None
    """wrk's own CPU per request."""
    splits: tuple[tuple[float, ...], ...] = ()
    """Per repeat: mean established connections of each serving worker, largest first."""
    cpu_shares: tuple[tuple[float, ...], ...] = ()
    """Per repeat: each serving worker's share of the server's CPU, largest first."""

    @property
    def clean(self) -> bool:
        return self.errors == 0


def _per_request_us(runs: list[dict[str, Any]], key: str) -> Summary | None:
    values = [
        float(run["usage"][key]) / int(run["result"]["requests"]) * 1e6
        for run in runs
        if run.get("usage")
        and run["usage"].get(key) is not None
        and int(run["result"].get("requests", 0)) > 0
    ]
    return summarise(values) if values else None


Splits = tuple[tuple[float, ...], ...]


def _splits(runs: list[dict[str, Any]]) -> tuple[Splits, Splits]:
    from arena.bench.usage import serving

    connections, shares = [], []
    for run in runs:
        usage = run.get("usage")
        if not usage or not usage.get("workers"):
            continue
        workers = serving(usage["workers"])
        total = sum(float(w["cpu_s"]) for w in workers) or 1.0
        connections.append(tuple(sorted((float(w["connections"]) for w in workers), reverse=True)))
        shares.append(tuple(sorted((float(w["cpu_s"]) / total for w in workers), reverse=True)))
    return tuple(connections), tuple(shares)


def http_cells(runs: list[dict[str, Any]]) -> list[HttpCell]:
    """Group wrk runs by (target, scenario, connections) and summarise their repeats."""
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        grouped[(run["target"], run["scenario"], int(run["connections"]))].append(run)
    cells = []
    for (target, scenario, connections), repeats in grouped.items():
        found = [r["result"] for r in repeats]
        splits, shares = _splits(repeats)
        cells.append(
            HttpCell(
                target=target,
                scenario=scenario,
                connections=connections,
                rps=summarise([r["rps"] for r in found]),
                p50_ms=summarise([r["latency_ms"]["p50"] for r in found]),
                p99_ms=summarise([r["latency_ms"]["p99"] for r in found]),
                max_ms=summarise([r["latency_ms"]["max"] for r in found]),
                errors=sum(int(r["error_count"]) for r in found),
                runs_with_errors=sum(1 for r in found if int(r["error_count"]) > 0),
                server_cpu_us=_per_request_us(repeats, "server_cpu_s"),
                postgres_cpu_us=_per_request_us(repeats, "postgres_cpu_s"),
                generator_cpu_us=_per_request_us(repeats, "generator_cpu_s"),
                splits=splits,
                cpu_shares=shares,
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
