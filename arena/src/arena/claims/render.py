"""docs/claims.md: the verdict table, then each claim with its figures and sources."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from arena.bench.stats import Summary
from arena.claims.data import Claim
from arena.claims.measures import Measured
from arena.claims.verdicts import FAILS, HOLDS, NOT_MEASURED, PARTLY, Verdict

BADGE = {
    HOLDS: "✅ holds",
    FAILS: "❌ does not hold",
    PARTLY: "◐ partly",
    NOT_MEASURED: "— not measured",
}


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    measured: Measured | None
    verdict: Verdict


@dataclass(frozen=True)
class Provenance:
    results_path: str
    results: dict[str, Any] | None
    commit: str
    dirty: bool
    micro: dict[str, Any] | None
    generated: str
    results_same_code: bool = False
    """The results' commit differs from this one at most in the generated pages."""

    @property
    def results_commit(self) -> str | None:
        if not self.results:
            return None
        commit = self.results.get("environment", {}).get("git_commit")
        return str(commit) if commit else None

    @property
    def same_commit(self) -> bool:
        # Committing the pages `make bench` wrote makes a new commit of the same code.
        same = self.results_commit == self.commit and self.commit != ""
        return same or self.results_same_code

    def warnings(self) -> list[str]:
        found = []
        if self.results is None:
            found.append(
                f"No results JSON at `{self.results_path}`: every HTTP figure is "
                '"not measured". Run `make bench` first.'
            )
            return found
        env = self.results.get("environment", {})
        if not self.same_commit:
            found.append(
                "The HTTP, cold-start, pgbench and footgun figures come from "
                f"`{self.results_path}`, "
                f"measured at commit `{_short(self.results_commit)}`"
                + (" with uncommitted changes" if env.get("git_dirty") else "")
                + f", not at this commit (`{_short(self.commit)}`): they describe that code. "
                "Re-run `make bench` and then `make claims` to measure this one."
            )
        elif env.get("git_dirty") or self.dirty:
            found.append(
                "The results JSON or this checkout has uncommitted changes: the figures "
                "may not match the committed code exactly."
            )
        if self.results.get("quick"):
            found.append("The results JSON is a quick run (`--quick`): indicative figures only.")
        if self.micro is None:
            found.append("The micro-benchmarks were skipped (`--no-micro`).")
        return found


def _short(commit: str | None) -> str:
    return commit[:10] if commit else "unknown"


def fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.0f} %"
    if unit in {"", "lines"}:
        text = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.2f}"
        return f"{text} {unit}".strip()
    if abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def spread(summary: Summary, unit: str) -> str:
    if summary.n == 1:
        return "one value"
    return f"{fmt(summary.min, unit)} - {fmt(summary.max, unit)}, n={summary.n}"


def compact(measured: Measured | None, unit: str, limit: int = 6) -> str:
    if not measured:
        return "—"
    parts = [
        f"{subject} **{fmt(s.median, unit)}**" for subject, s in list(measured.items())[:limit]
    ]
    if len(measured) > limit:
        parts.append(f"… ({len(measured) - limit} more below)")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _environment(provenance: Provenance) -> list[str]:
    lines = []
    results = provenance.results
    if results:
        env = results.get("environment", {})
        config = results.get("config", {})
        lines.append(
            f"- **HTTP and start-up figures**: `{provenance.results_path}` from `arena bench` "
            f"on {env.get('date', '?')}, commit `{_short(env.get('git_commit'))}`"
            + (" (dirty)" if env.get("git_dirty") else "")
            + f"; {env.get('cpu_count', '?')} CPUs ({env.get('cpu_model', '?')}), "
            f"Python {env.get('python', '?')}, PostgreSQL {env.get('postgresql', '?')}; "
            f"{config.get('workers', '?')} workers per server, wrk with "
            f"{config.get('wrk_threads', '?')} thread, {config.get('rounds', '?')} interleaved "
            f"rounds of {config.get('duration_s', '?')} s per cell. The load generator, the "
            "servers and Postgres share the same cores, so throughput is a relative figure, "
            "not a capacity."
        )
        load = env.get("load_average_start")
        if load:
            lines.append(
                f"- Load average when that run started: {', '.join(str(x) for x in load)}."
            )
    micro = provenance.micro
    if micro:
        packages = ", ".join(f"{k} {v}" for k, v in micro.get("packages", {}).items() if v)
        lines.append(
            f"- **Micro-benchmarks**: run by this command in a fresh Python "
            f"{micro.get('python', '?')} process at commit `{_short(provenance.commit)}`"
            + (" (dirty)" if provenance.dirty else "")
            + f"; {micro.get('repeats', '?')} interleaved repeats per variant, each the mean "
            f"of enough calls to last about 10 ms; median and min-max shown. {packages}."
        )
    return lines


def _micro_tables(micro: dict[str, Any]) -> list[str]:
    out = []
    titles = {
        "serializers": "Item rows to Python data (claim 5), µs per call",
        "codecs": "Decode + validate N create bodies, then encode N items to JSON (claim 6), "
        "µs per call",
    }
    for benchmark, data in micro.get("benchmarks", {}).items():
        sizes = list(data.get("n", {}))
        if not sizes:
            continue
        variants = list(data["n"][sizes[0]])
        out.append(f"### {titles.get(benchmark, benchmark)}\n")
        out.append("| variant | " + " | ".join(f"N = {n}" for n in sizes) + " |")
        out.append("|---|" + "---:|" * len(sizes))
        for variant in variants:
            cells = []
            for n in sizes:
                samples = [s * 1e6 for s in data["n"][n][variant]["samples_s"]]
                cells.append(
                    f"{statistics.median(samples):.1f} ({min(samples):.1f}-{max(samples):.1f})"
                )
            out.append(f"| {variant} | " + " | ".join(cells) + " |")
        out.append("")
    return out


def markdown(outcomes: list[Outcome], provenance: Provenance) -> str:
    out: list[str] = []
    add = out.append
    add("# The article's claims, measured\n")
    add(
        "Generated by `arena claims` (`make claims`) from `bench/claims.toml`; do not edit by "
        "hand. Each claim of the seed article (quoted) is checked against a measurement of "
        "this project's three implementations of one contract. Verdicts: **holds**, **does "
        "not hold**, **partly** (some subjects or pairs hold), **not measured** (the data is "
        "missing: no verdict is guessed). The factor says by how much.\n"
    )
    add(f"Generated {provenance.generated}.\n")
    for warning in provenance.warnings():
        add(f"> **Note.** {warning}\n")
    add("| # | claim | what we measured (median) | verdict | published evidence elsewhere |")
    add("|---|---|---|---|---|")
    for outcome in outcomes:
        claim = outcome.claim
        evidence = "<br>".join(f"[{e.text}]({e.url})" for e in claim.evidence)
        add(
            f"| [{claim.id}](#claim-{claim.id}) "
            f"| {_cell(claim.title)}: “{_cell(claim.quote)}” "
            f"| {_cell(compact(outcome.measured, claim.unit))} "
            f"| **{BADGE[outcome.verdict.status]}**: {_cell(outcome.verdict.summary)} "
            f"| {_cell(evidence)} |"
        )
    add("")
    add("## Conditions\n")
    out.extend(_environment(provenance))
    add("")
    for outcome in outcomes:
        claim = outcome.claim
        add(f'<a id="claim-{claim.id}"></a>\n')
        add(f"## {claim.id}. {claim.title}\n")
        add(f"> {claim.quote}\n")
        add(f"**Measured.** {claim.what}\n")
        if claim.conditions:
            add(f"**Conditions.** {claim.conditions}\n")
        add(f"**Verdict: {outcome.verdict.status}.** {outcome.verdict.summary}.\n")
        for detail in outcome.verdict.details:
            add(f"- {detail}")
        if outcome.verdict.details:
            add("")
        if outcome.measured:
            add("| subject | median | spread |")
            add("|---|---:|---|")
            for subject, summary in outcome.measured.items():
                add(
                    f"| {subject} | {fmt(summary.median, claim.unit)} "
                    f"| {spread(summary, claim.unit)} |"
                )
            add("")
        if claim.omitted:
            add(
                "What the article's snippets leave out, which the contract (and so each "
                "implementation) has:\n"
            )
            for item in claim.omitted:
                add(f"- {item}")
            add("")
        for note in claim.notes:
            add(note + "\n")
        if claim.evidence:
            add("Published elsewhere:\n")
            for source in claim.evidence:
                add(f"- {source.text} ({source.url})")
            add("")
    if provenance.micro:
        add("## Micro-benchmark figures\n")
        add("Median (min-max) over the interleaved repeats.\n")
        out.extend(_micro_tables(provenance.micro))
    return "\n".join(out).rstrip("\n") + "\n"
