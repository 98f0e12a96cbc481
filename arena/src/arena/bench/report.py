"""Render a results document as Markdown (docs/results.md), as a static HTML page, and as
the README's results block, from the Jinja2 templates in ``templates/``.

``results.md.j2`` lays out the page: the run's own sections (environment,
verification, cold start, code, the footgun exhibit, the seed article's claims) and,
in between, one section per workload, each rendered from
``workloads/<name>.md.j2`` with the variables its module's ``context`` returns. The
HTML report is that same Markdown turned into HTML (markdown-it, with tables) inside
``report.html.j2``, so the two pages can never disagree. The functions here prepare
rows and sentences; the templates hold the prose and the layout.
"""

from __future__ import annotations

import os
import re
import statistics
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from arena.bench import fmt, workloads
from arena.bench import results as res
from arena.bench.code_size import CONCERN_ORDER
from arena.bench.stats import summarise

README_MARKERS = ("<!-- results:start -->", "<!-- results:end -->")
# What `make bench` takes with the default configuration on the committed machine.
FULL_DURATION = "about 80 minutes"
# The seed article's figures, shown beside the measured ones.
CLAIMS = {
    "fastapi": ("0.5-1.0 s", "~25"),
    "flask": ("0.2-0.4 s", "~30 + auth scaffold"),
    "drf": ("2-3 s", "~15 + admin and auth"),
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("arena.bench", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Markdown, not HTML: the HTML page escapes through markdown-it.
        autoescape=False,  # noqa: S701
    )
    env.filters.update(cell=fmt.cell, ms=fmt.ms, number=fmt.number)
    return env


def _tidy(markdown: str) -> str:
    """One blank line between blocks, none trailing (templates leave extra around ifs)."""
    lines = [line.rstrip() for line in markdown.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip() + "\n"


def machine_label(data: dict[str, Any]) -> str:
    env = data["environment"]
    cores = env.get("cpu_count")
    workers = data["config"].get("workers")
    if any(t["server"] == "remote" for t in data.get("targets", [])):
        return (
            f"wrk ran on one machine ({cores} CPU cores, {env.get('cpu_model')}); the server "
            f"ran {env.get('database')}, on hardware this report knows nothing about. These "
            "figures hold for that pair of machines and this run only."
        )
    return (
        f"Measured on one machine: {cores} CPU cores ({env.get('cpu_model')}), "
        f"{env.get('memory_gb')} GB RAM, {env.get('os')}. wrk, the servers and PostgreSQL "
        f"share the same {cores} cores, so every throughput and latency figure here includes "
        f"that contention; each server runs {workers} worker processes. These figures hold "
        "for this machine and this run only: compare the implementations with each other, "
        "not with numbers measured elsewhere."
    )


def dirty_note(env: dict[str, Any]) -> str:
    """A warning for figures measured on a checkout with uncommitted changes ("" if clean)."""
    if not env.get("git_dirty"):
        return ""
    return (
        f"**Measured on a modified checkout**: commit {str(env.get('git_commit'))[:12]} plus "
        "uncommitted changes, so no commit reproduces these figures (`make bench` refuses "
        "such a checkout)."
    )


def busy_note(env: dict[str, Any]) -> str:
    """A warning when other work shared the machine (load average above the core count)."""
    cores = env.get("cpu_count") or 1
    loads = [*env.get("load_average_start", [])[:1], *env.get("load_average_end", [])[:1]]
    if not loads or max(loads) <= cores:
        return ""
    return (
        f"**The machine was busy during this run** (1-minute load average "
        f"{' at start, '.join(f'{v:.1f}' for v in loads)} at end, on {cores} cores): other "
        "work competed with wrk and the servers. Treat differences smaller than the noise "
        'ratio (see "How noisy this was") as no difference.'
    )


def _environment_rows(data: dict[str, Any]) -> list[list[str]]:
    env, config = data["environment"], data["config"]
    open_loop = config.get("open_loop") or {}
    run = (
        f"{config.get('rounds')} interleaved rounds x {config.get('duration_s')} s per "
        f"wrk run after a {config.get('warmup_s')} s warm-up; connections "
        f"{list(config.get('connections', []))}; wrk threads {config.get('wrk_threads')}; "
        f"{config.get('workers')} workers per server; servers: "
        f"{config.get('servers')}; seed items {config.get('seed_items')}"
    )
    if open_loop.get("enabled"):
        run += (
            f"; open loop: {open_loop.get('rounds')} rounds x {open_loop.get('duration_s')} s "
            f"at {', '.join(f'{f:.0%}' for f in open_loop.get('fractions', []))} of capacity"
        )
    run += f"; wall time {config.get('wall_seconds', '?')} s"
    rows = [
        ["date (UTC)", str(env.get("date"))],
        ["CPU", f"{env.get('cpu_count')} x {env.get('cpu_model')}"],
        ["Python", f"{env.get('python_implementation')} {env.get('python')}"],
        ["PostgreSQL", f"{env.get('postgresql')} ({env.get('database')})"],
        ["wrk", str(env.get("wrk"))],
    ]
    if "hey" in env:
        rows.append(["hey (open loop)", str(env.get("hey") or "not installed")])
    if "pinning" in env:
        rows.append(["load generator CPU", str(env.get("pinning"))])
    rows += [
        [
            "git commit",
            f"{str(env.get('git_commit'))[:12]}"
            + (" (uncommitted changes)" if env.get("git_dirty") else ""),
        ],
        [
            "load average (1/5/15 min) at start / end",
            " / ".join(
                ", ".join(f"{v:.2f}" for v in env.get(key, []))
                for key in ("load_average_start", "load_average_end")
            ),
        ],
        ["packages", ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())],
        ["run", run],
    ]
    return rows


def _verification_rows(data: dict[str, Any]) -> list[list[str]]:
    return [
        [
            t["id"],
            t["kind"],
            "yes" if t["verified"] else "**NO — not benchmarked**",
            "; ".join(t["failures"]) or "—",
        ]
        for t in data.get("targets", [])
    ]


def _cold_start(data: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for target, record in data.get("cold_start", {}).items():
        if record["samples_s"]:
            s = summarise(record["samples_s"])
            rows.append(
                [target, fmt.seconds(s), f"{s.min:.3f}", f"{s.max:.3f}", record["error"] or ""]
            )
        else:
            rows.append([target, "—", "—", "—", record["error"] or "no samples"])
    imports = data.get("import_time")
    import_rows, base = [], 0.0
    if imports:
        base = statistics.median(imports["python_pass_s"])
        for impl, record in imports["modules"].items():
            s = summarise([v - base for v in record["samples_s"]])
            import_rows.append([impl, f"`{record['module']}`", fmt.seconds(s)])
    return {"cold_rows": rows, "import_rows": import_rows, "import_base": base}


def _code(data: dict[str, Any]) -> dict[str, Any]:
    code = data.get("code", {})
    other = []
    for impl, record in code.items():
        files = [
            f"`{path}` {lines}"
            for path, (concern, lines) in record.get("files", {}).items()
            if concern == "other" and lines
        ]
        if files:
            other.append((impl, files))
    return {
        "concerns": list(CONCERN_ORDER),
        "code_rows": [
            [impl, *[str(r["concerns"].get(c, 0)) for c in CONCERN_ORDER], f"**{r['total']}**"]
            for impl, r in code.items()
        ],
        "code_other": other,
        "dependency_rows": [
            [impl, str(r["packages"]), f"{r['installed_mb']:.1f}"]
            for impl, r in data.get("dependencies", {}).items()
        ],
    }


def _footgun(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for variant, record in (data.get("footgun") or {}).items():
        fast = record["fast"]
        slow = record.get("slow")
        replied = fast["requests"] > 0
        stalled = f"no reply in {fast['duration_s']:.0f} s"
        rows.append(
            [
                variant,
                record["description"],
                fmt.ms(fast["latency_ms"]["p50"]) if replied else stalled,
                fmt.ms(fast["latency_ms"]["p99"]) if replied else stalled,
                f"{fast['requests']:,} ({fast['rps']:,.1f}/s)",
                f"{slow['rps']:,.0f}" if slow else "—",
            ]
        )
    return rows


def _claims(data: dict[str, Any]) -> list[list[str]]:
    cold = data.get("cold_start", {})
    code = data.get("code", {})
    rows = []
    for impl, (cold_claim, loc_claim) in CLAIMS.items():
        samples = [
            v
            for target, record in cold.items()
            if target.startswith(f"{impl}/")
            for v in record["samples_s"]
        ]
        measured_cold = f"{statistics.median(samples):.2f} s" if samples else "—"
        measured_loc = str(code[impl]["total"]) if impl in code else "—"
        rows.append([impl, cold_claim, measured_cold, loc_claim, measured_loc])
    if not any(r[2] != "—" or r[4] != "—" for r in rows):
        return []
    return rows


def sections(data: dict[str, Any], image_prefix: str = "") -> list[str]:
    """Each workload's section, rendered from its template, for the workloads that ran."""
    out = []
    for workload in workloads.registered():
        section = res.workload(data, workload.name)
        if not section:
            continue
        page = workloads.Page(data, section, image_prefix)
        template = environment().get_template(f"workloads/{workload.name}.md.j2")
        out.append(template.render(c=workload.context(page)))
    return out


def page_context(data: dict[str, Any], image_prefix: str = "") -> dict[str, Any]:
    config = data["config"]
    return {
        "smoke": bool(config.get("smoke")),
        "quick": bool(data.get("quick")),
        "dirty": dirty_note(data["environment"]),
        "machine": machine_label(data),
        "busy": busy_note(data["environment"]),
        "environment": _environment_rows(data),
        "verification": _verification_rows(data),
        "sections": sections(data, image_prefix),
        "workers": config.get("workers"),
        "image_prefix": image_prefix,
        **_cold_start(data),
        **_code(data),
        "footgun_rows": _footgun(data),
        "claim_rows": _claims(data),
        "full_duration": FULL_DURATION,
        "notes": data.get("notes") or [],
    }


def markdown(data: dict[str, Any], image_prefix: str = "") -> str:
    template = environment().get_template("results.md.j2")
    return _tidy(template.render(page_context(data, image_prefix)))


def html(data: dict[str, Any]) -> str:
    """The same page as HTML, images beside it."""
    # Raw HTML stays escaped (a failure message may hold "<"): the generator's comment goes.
    text = markdown(data)
    if text.startswith("<!--"):
        text = text.split("\n", 1)[1]
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    title = "Benchmark results" + (" (quick run)" if data.get("quick") else "")
    return environment().get_template("report.html.j2").render(title=title, body=body)


def readme_summary(data: dict[str, Any]) -> str:
    """The at-a-glance table and the machine label, for the README's results block."""
    crud = None
    if section := res.workload(data, "crud"):
        crud = workloads.by_name("crud").context(workloads.Page(data, section, ""))
    template = environment().get_template("readme.md.j2")
    return _tidy(
        template.render(
            machine=machine_label(data),
            crud=crud if crud and crud["glance"] else None,
            dirty=dirty_note(data["environment"]),
            commit=str(data["environment"].get("git_commit", "?"))[:12],
        )
    )


def update_readme(readme: Path, data: dict[str, Any]) -> bool:
    """Replace the text between the README's results markers; False if they are missing."""
    text = readme.read_text()
    start, end = README_MARKERS
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{readme_summary(data)}{end}{tail}")
    return True


def render(
    data: dict[str, Any], out_dir: Path, markdown_path: Path, *, charts: bool = True
) -> None:
    """Write report.html and the charts into ``out_dir``, and the Markdown to ``markdown_path``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if charts:
        from arena.bench import charts as chart_module  # matplotlib is slow to import

        chart_module.run_wide(data, out_dir)
        for workload in workloads.registered():
            if section := res.workload(data, workload.name):
                workload.charts(workloads.Page(data, section, ""), out_dir)
    prefix = os.path.relpath(out_dir, markdown_path.parent)
    md_prefix = "" if prefix == "." else prefix.rstrip("/") + "/"
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(markdown(data, md_prefix))
    (out_dir / "report.html").write_text(html(data))
