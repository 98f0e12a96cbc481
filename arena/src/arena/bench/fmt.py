"""How figures are written on the report pages (shared by every section and template)."""

from __future__ import annotations

from arena.bench.stats import Summary


def ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def spread(summary: Summary, fmt: str = "{:,.0f}") -> str:
    """The median, and [min-max] when there are repeats."""
    if summary.n == 1:
        return fmt.format(summary.median)
    return f"{fmt.format(summary.median)} [{fmt.format(summary.min)}-{fmt.format(summary.max)}]"


def seconds(summary: Summary) -> str:
    ci = "95% CI" if summary.exact_ci else "range"
    return (
        f"{summary.median:.3f} s ({ci} {summary.ci_low:.3f}-{summary.ci_high:.3f}, n={summary.n})"
    )


def number(value: float) -> str:
    """A count or rate: no decimals from 100 up, a few below."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def short(query: str, width: int = 70) -> str:
    """A statement on one line of a table cell, cut to ``width``."""
    flat = " ".join(query.split()).replace("`", "'")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")
