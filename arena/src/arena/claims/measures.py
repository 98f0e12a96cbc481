"""Measurements: ``{subject: Summary}`` from the bench results, the micro-benchmarks or the tree.

A claim's ``[measure]`` table names a ``kind`` and its parameters:

- ``cold_start``: spawn to first 200 on /health, per server target (``subjects``).
- ``http``: one wrk figure per target for a ``scenario`` at ``connections`` (a count, or
  ``"peak"``: the connection count with the highest median throughput); ``metric`` is
  ``rps``, ``p50_ms``, ``p99_ms``, ``mean_ms``, or ``server_cpu_us`` / ``postgres_cpu_us``
  (CPU microseconds per request, for runs that measured it). Repeats give the spread.
- ``overhead``: per repeat at one connection, wrk's mean latency of ``scenario`` minus
  pgbench's mean latency of the same query (``pgbench_mode``, one client), in ms; with
  ``share = true``, that difference as a fraction of the request's latency.
- ``cpu_share``: per repeat at ``connections``, the server's CPU per request as a
  fraction of the server's and PostgreSQL's together: how much of what a request costs
  the machine is the framework's side rather than the database's.
- ``footgun``: the exhibit's ``/fast`` latency (``metric``) while each variant loads it.
- ``code_lines``: pygount code lines per implementation of the pieces marked for
  ``operations`` (each piece once), or of the whole package when ``operations`` is absent.
- ``micro``: a micro-benchmark's seconds per call, per variant, at ``n`` items
  (``unit = "us"`` reports microseconds).
- ``fanout``: the fan-out sweep's req/s per target (a variant or a bare wait) in one
  cell: ``latency_ms``, ``fanout`` and ``connections``; with ``metric = "ceiling_share"``,
  req/s as a fraction of the cell's Little's-law ceiling. Rounds give the spread.
- ``micro_share``: one micro-benchmark variant at ``n`` items as a fraction of one
  target's server CPU per request for ``scenario`` at ``connections`` (8 unless given).

Every kind returns None when its input is absent (the verdict is then "not measured").
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from arena.bench import results as bench_results
from arena.bench.stats import Summary, summarise
from arena.bench.workloads import fanout as fanout_workload

Measured = dict[str, Summary]

UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6}


CPU_METRICS = {"server_cpu_us": "server_cpu_s", "postgres_cpu_us": "postgres_cpu_s"}


def _runs(results: dict[str, Any], target: str, scenario: str, connections: int) -> list[Any]:
    """The CRUD workload's wrk runs of one cell (each with its result and usage)."""
    return [
        run
        for run in bench_results.crud_runs(results)
        if run["target"] == target
        and run["scenario"] == scenario
        and int(run["connections"]) == connections
    ]


def _metric(result: dict[str, Any], metric: str) -> float:
    if metric == "rps":
        return float(result["rps"])
    return float(result["latency_ms"][metric.removesuffix("_ms")])


def _run_metric(run: dict[str, Any], metric: str) -> float | None:
    if metric in CPU_METRICS:
        spent = (run.get("usage") or {}).get(CPU_METRICS[metric])
        requests = int(run["result"].get("requests", 0))
        return None if spent is None or not requests else float(spent) / requests * 1e6
    return _metric(run["result"], metric)


def cold_start(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    found = {}
    for subject in spec["subjects"]:
        entry = results.get("cold_start", {}).get(subject)
        if entry and entry.get("samples_s") and not entry.get("error"):
            found[subject] = summarise(entry["samples_s"])
    return found or None


def http(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    scenario, metric = spec["scenario"], spec.get("metric", "rps")
    cells = bench_results.http_cells(bench_results.crud_runs(results))
    found = {}
    for subject in spec["subjects"]:
        if spec.get("connections", "peak") == "peak":
            best = bench_results.peak(cells, subject, scenario)
            if best is None:
                continue
            connections = best.connections
        else:
            connections = int(spec["connections"])
        values = [
            value
            for run in _runs(results, subject, scenario, connections)
            if (value := _run_metric(run, metric)) is not None
        ]
        if values:
            found[subject] = summarise(values)
    return found or None


def pgbench_latency_ms(results: dict[str, Any], mode: str, clients: int = 1) -> float | None:
    values = [
        float(run["latency_ms"])
        for run in results.get("pgbench", [])
        if run["mode"] == mode and int(run["clients"]) == clients and not run["failed"]
    ]
    return statistics.median(values) if values else None


def overhead(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    query_ms = pgbench_latency_ms(results, spec.get("pgbench_mode", "simple"))
    if query_ms is None:
        return None
    found = {}
    for subject in spec["subjects"]:
        means = [
            float(r["result"]["latency_ms"]["mean"])
            for r in _runs(results, subject, spec["scenario"], 1)
        ]
        if not means:
            continue
        if spec.get("share"):
            found[subject] = summarise([(m - query_ms) / m for m in means if m > 0])
        else:
            found[subject] = summarise([m - query_ms for m in means])
    return found or None


def cpu_share(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    found = {}
    for subject in spec["subjects"]:
        shares = []
        for run in _runs(results, subject, spec["scenario"], int(spec.get("connections", 8))):
            server = _run_metric(run, "server_cpu_us")
            database = _run_metric(run, "postgres_cpu_us")
            if server is not None and database is not None and server + database > 0:
                shares.append(server / (server + database))
        if shares:
            found[subject] = summarise(shares)
    return found or None


def footgun(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    exhibit = results.get("footgun") or {}
    metric = spec.get("metric", "p99_ms")
    found = {}
    for variant, entry in exhibit.items():
        fast = entry.get("fast") if isinstance(entry, dict) else None
        if fast and int(fast.get("requests", 1)) == 0 and metric != "rps":
            # No reply within the whole run: the stall outlasted it, so the run's length
            # is a lower bound on any latency (wrk reports zeros for an empty histogram).
            found[variant] = summarise([float(fast.get("duration_s", 0)) * 1000])
        elif fast:
            found[variant] = summarise([_metric(fast, metric)])
    return found or None


def code_lines(root: Path, spec: dict[str, Any]) -> Measured | None:
    from arena import compare
    from arena.bench.code_size import lines_by_concern

    packages = compare.package_dirs(root)
    if not packages:
        return None
    operations = spec.get("operations")
    if not operations:
        return {
            impl: summarise([float(lines_by_concern(package)["total"])])  # type: ignore[arg-type]
            for impl, package in packages.items()
        }
    pieces = compare.extract(root)
    chosen: dict[str, dict[tuple[str, int], int]] = defaultdict(dict)
    for operation in operations:
        for impl, found in compare.for_operation(pieces, operation).items():
            for piece in found:
                chosen[impl][(piece.path, piece.start)] = piece.code_lines
    return {impl: summarise([float(sum(chosen[impl].values()))]) for impl in packages}


def fanout(results: dict[str, Any], spec: dict[str, Any]) -> Measured | None:
    latency, width = float(spec["latency_ms"]), int(spec["fanout"])
    connections = int(spec["connections"])
    share = spec.get("metric", "rps") == "ceiling_share"
    limit = fanout_workload.ceiling(connections, latency)
    found = {}
    for subject in spec["subjects"]:
        values = [
            float(run["result"]["rps"]) / (limit if share else 1.0)
            for run in bench_results.workload(results, "fanout").get("runs", [])
            if run["target"] == subject
            and float(run["latency_ms"]) == latency
            and int(run["fanout"]) == width
            and int(run["connections"]) == connections
        ]
        if values:
            found[subject] = summarise(values)
    return found or None


def micro(data: dict[str, Any] | None, spec: dict[str, Any]) -> Measured | None:
    if not data:
        return None
    variants = (
        data.get("benchmarks", {}).get(spec["benchmark"], {}).get("n", {}).get(str(spec["n"]))
    )
    if not variants:
        return None
    scale = UNITS[spec.get("unit", "s")]
    return {name: summarise([s * scale for s in v["samples_s"]]) for name, v in variants.items()}


def micro_share(
    results: dict[str, Any], data: dict[str, Any] | None, spec: dict[str, Any]
) -> Measured | None:
    timed = micro(data, {**spec, "unit": "ms"})
    variant = spec["variant"]
    if not timed or variant not in timed:
        return None
    runs = _runs(results, spec["target"], spec["scenario"], int(spec.get("connections", 8)))
    spent = [v for run in runs if (v := _run_metric(run, "server_cpu_us")) is not None]
    if not spent:
        return None
    request_ms = statistics.median(spent) / 1e3
    return {variant: summarise([timed[variant].median / request_ms])}


def measure(
    spec: dict[str, Any], results: dict[str, Any], micro_data: dict[str, Any] | None, root: Path
) -> Measured | None:
    kind = spec["kind"]
    if kind == "cold_start":
        return cold_start(results, spec)
    if kind == "http":
        return http(results, spec)
    if kind == "overhead":
        return overhead(results, spec)
    if kind == "cpu_share":
        return cpu_share(results, spec)
    if kind == "footgun":
        return footgun(results, spec)
    if kind == "code_lines":
        return code_lines(root, spec)
    if kind == "fanout":
        return fanout(results, spec)
    if kind == "micro":
        return micro(micro_data, spec)
    if kind == "micro_share":
        return micro_share(results, micro_data, spec)
    raise ValueError(f"unknown measurement kind {kind!r}")


def needs_micro(specs: list[dict[str, Any]]) -> bool:
    return any(spec["kind"] in {"micro", "micro_share"} for spec in specs)
