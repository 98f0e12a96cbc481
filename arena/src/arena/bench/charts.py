"""Static PNG charts (matplotlib, Agg backend): no display and no server needed.

``crud`` draws the CRUD workload's charts from its section of the results; ``run_wide``
the ones of the whole run (cold start, code size).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from arena.bench import results as res
from arena.bench.code_size import CONCERN_ORDER
from arena.bench.scenarios import SCENARIOS
from arena.bench.stats import Summary


def _footer(fig: Any, data: dict[str, Any]) -> None:
    cores = data["environment"].get("cpu_count")
    label = f"{cores} cores shared by wrk, servers and PostgreSQL; this machine only"
    if data.get("quick"):
        label = "QUICK RUN - " + label
    fig.text(0.01, 0.005, label, fontsize=7, color="#555")


def _colors(data: dict[str, Any]) -> dict[str, Any]:
    """One colour per implementation/server, shared by its baseline (drawn dashed)."""
    palette = [plt.get_cmap("tab10")(i) for i in range(10)]
    keys = sorted({f"{t['impl']}/{t['server']}" for t in data.get("targets", [])})
    by_key = {key: palette[i % len(palette)] for i, key in enumerate(keys)}
    return {t["id"]: by_key[f"{t['impl']}/{t['server']}"] for t in data.get("targets", [])}


def throughput(data: dict[str, Any], section: dict[str, Any], out: Path) -> None:
    cells = res.http_cells(section.get("http", []))
    colors = _colors(data)
    fig, axes = plt.subplots(1, len(SCENARIOS), figsize=(4 * len(SCENARIOS), 3.6), squeeze=False)
    for ax, scenario in zip(axes[0], SCENARIOS, strict=True):
        targets = sorted({c.target for c in cells if c.scenario == scenario.name})
        for target in targets:
            points = sorted(
                (c for c in cells if c.target == target and c.scenario == scenario.name),
                key=lambda c: c.connections,
            )
            xs = [c.connections for c in points]
            ys = [c.rps.median for c in points]
            low = [c.rps.median - c.rps.min for c in points]
            high = [c.rps.max - c.rps.median for c in points]
            style = "--" if target.startswith("baseline") else "-"
            ax.errorbar(
                xs,
                ys,
                yerr=[low, high],
                marker="o",
                linestyle=style,
                label=target,
                capsize=3,
                color=colors.get(target),
            )
        ax.set_title(scenario.label, fontsize=9)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("connections")
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel("requests/s (median, min-max)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:
        h, lab = ax.get_legend_handles_labels()
        for handle, name in zip(h, lab, strict=True):
            if name not in labels:
                handles.append(handle)
                labels.append(name)
    fig.legend(handles, labels, loc="upper center", ncol=min(6, len(labels)), fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 0.88))
    _footer(fig, data)
    fig.savefig(out / "throughput.png", dpi=110)
    plt.close(fig)


def latency(data: dict[str, Any], section: dict[str, Any], out: Path) -> None:
    cells = res.http_cells(section.get("http", []))
    connections = data["config"].get("connections") or [0]
    middle = connections[len(connections) // 2]
    targets = [t["id"] for t in data["targets"] if t["kind"] == "implementation" and t["verified"]]
    fig, axes = plt.subplots(1, len(SCENARIOS), figsize=(4 * len(SCENARIOS), 3.6), squeeze=False)
    for ax, scenario in zip(axes[0], SCENARIOS, strict=True):
        p50, p99 = [], []
        for target in targets:
            found = res.cell(cells, target, scenario.name, middle)
            p50.append(found.p50_ms.median if found else 0)
            p99.append(found.p99_ms.median if found else 0)
        positions = range(len(targets))
        ax.bar([p - 0.2 for p in positions], p50, width=0.4, label="p50")
        ax.bar([p + 0.2 for p in positions], p99, width=0.4, label="p99")
        ax.set_xticks(list(positions), targets, rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{scenario.label} @ {middle} conn.", fontsize=9)
    axes[0][0].set_ylabel("latency ms (median of repeats)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _footer(fig, data)
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)


def coldstart(data: dict[str, Any], out: Path) -> None:
    cold = {k: v["samples_s"] for k, v in data.get("cold_start", {}).items() if v["samples_s"]}
    fig, ax = plt.subplots(figsize=(8, 3.8))
    if cold:
        names = list(cold)
        ax.boxplot([cold[n] for n in names], orientation="horizontal")
        ax.set_yticks(range(1, len(names) + 1), names, fontsize=8)
        for index, name in enumerate(names, start=1):
            ax.scatter(cold[name], [index] * len(cold[name]), s=10, alpha=0.6, color="#333")
    ax.set_xlabel("seconds from spawn to first 200 on /health")
    ax.set_xlim(left=0)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    _footer(fig, data)
    fig.savefig(out / "coldstart.png", dpi=110)
    plt.close(fig)


def loc(data: dict[str, Any], out: Path) -> None:
    code = data.get("code", {})
    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = list(code)
    left = [0] * len(names)
    for concern in CONCERN_ORDER:
        values = [code[n]["concerns"].get(concern, 0) for n in names]
        ax.barh(names, values, left=left, label=concern)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlabel("code lines (pygount)")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    fig.savefig(out / "loc.png", dpi=110)
    plt.close(fig)


def efficiency(data: dict[str, Any], section: dict[str, Any], out: Path) -> bool:
    """Server and PostgreSQL CPU per request at the middle connection count; False: no data."""
    cells = res.http_cells(section.get("http", []))
    connections = data["config"].get("connections") or [0]
    middle = connections[len(connections) // 2]
    targets = [t["id"] for t in data.get("targets", []) if t["verified"]]
    if not any(c.server_cpu_us for c in cells):
        return False
    fig, axes = plt.subplots(1, len(SCENARIOS), figsize=(4 * len(SCENARIOS), 3.8), squeeze=False)
    for ax, scenario in zip(axes[0], SCENARIOS, strict=True):
        found = [(t, res.cell(cells, t, scenario.name, middle)) for t in targets]
        shown = [(t, c) for t, c in found if c is not None and c.server_cpu_us is not None]

        def median(summary: Summary | None) -> float:
            return summary.median if summary else 0.0

        positions = range(len(shown))
        server = [median(c.server_cpu_us) for _, c in shown if c]
        postgres = [median(c.postgres_cpu_us) for _, c in shown if c]
        ax.bar(positions, server, label="server")
        ax.bar(positions, postgres, bottom=server, label="PostgreSQL")
        ax.set_xticks(list(positions), [t for t, _ in shown], rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{scenario.label} @ {middle} conn.", fontsize=9)
    axes[0][0].set_ylabel("CPU µs per request (median)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _footer(fig, data)
    fig.savefig(out / "efficiency.png", dpi=110)
    plt.close(fig)
    return True


def ladder(data: dict[str, Any], section: dict[str, Any], out: Path) -> bool:
    """Server CPU per request per step, one row of bars per group; False: nothing measured."""
    from arena.bench.workloads.ladder import LADDER_CONNECTIONS, SCENARIOS, steps_by_group

    cells = res.http_cells(section.get("http", []))
    groups = steps_by_group(section)
    if not groups or not cells:
        return False
    fig, axes = plt.subplots(
        len(groups),
        len(SCENARIOS),
        figsize=(
            6 * len(SCENARIOS),
            1.2 + 0.5 * max(len(steps) for steps in groups.values()) * len(groups),
        ),
        squeeze=False,
    )
    for row, (group, steps) in enumerate(groups.items()):
        for ax, scenario in zip(axes[row], SCENARIOS, strict=True):
            labels, values = [], []
            for step in steps:
                if step["kind"] == "revision":
                    continue  # before/after is a table: the chart shows layers
                found = res.cell(cells, step["target"], scenario.name, LADDER_CONNECTIONS)
                labels.append(step["label"])
                values.append(found.server_cpu_us.median if found and found.server_cpu_us else 0)
            ax.barh(labels, values, color="#4c72b0")
            ax.invert_yaxis()
            ax.tick_params(axis="y", labelsize=7)
            ax.set_title(f"{group}: {scenario.label}", fontsize=9)
            ax.set_xlabel("server CPU µs per request (median)", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _footer(fig, data)
    fig.savefig(out / "ladder.png", dpi=110)
    plt.close(fig)
    return True


def crud(data: dict[str, Any], section: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    throughput(data, section, out)
    latency(data, section, out)
    efficiency(data, section, out)


def run_wide(data: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    coldstart(data, out)
    loc(data, out)


def fanout(data: dict[str, Any], section: dict[str, Any], out: Path) -> bool:
    """req/s against connections, one panel per latency x fan-out, with the ceiling."""
    from arena.bench.workloads.fanout import ceiling, cells

    found = cells(section)
    latencies = section.get("latencies_ms") or []
    fanouts = section.get("fanouts") or []
    if not found or not latencies or not fanouts:
        return False
    kinds = {c["id"]: c["kind"] for c in section.get("contestants", [])}
    fig, axes = plt.subplots(
        len(fanouts), len(latencies), figsize=(4.2 * len(latencies), 3.6 * len(fanouts)),
        squeeze=False,
    )  # fmt: skip
    for row, fan in enumerate(fanouts):
        for ax, latency in zip(axes[row], latencies, strict=True):
            here = [c for c in found if c.latency_ms == latency and c.fanout == fan]
            # The bare waits and the simulator are timed at the first fan-out only.
            if fan != fanouts[0]:
                here += [
                    c for c in found
                    if c.latency_ms == latency and c.fanout == fanouts[0]
                    and kinds.get(c.target) == "calibration"
                ]  # fmt: skip
            counts = sorted({c.connections for c in here})
            for target in sorted({c.target for c in here}):
                mine = sorted((c for c in here if c.target == target), key=lambda c: c.connections)
                style = "--" if kinds.get(target) == "calibration" else "-"
                if target == "downstream":
                    continue  # its own table: far above the others at short delays
                ax.plot(
                    [c.connections for c in mine], [c.rps.median for c in mine],
                    style, marker="o", markersize=3, label=target,
                )  # fmt: skip
            if counts:
                ax.plot(counts, [ceiling(c, latency) for c in counts], ":", color="black",
                        label="ceiling (connections / latency)")  # fmt: skip
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{latency:g} ms downstream, fan-out {fan}", fontsize=9)
            ax.set_xlabel("connections", fontsize=8)
            ax.set_ylabel("req/s (median)", fontsize=8)
            ax.tick_params(labelsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    _footer(fig, data)
    fig.savefig(out / "fanout.png", dpi=110)
    plt.close(fig)
    return True
