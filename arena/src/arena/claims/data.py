"""The claims file (``bench/claims.toml``): one ``[[claim]]`` table per claim.

::

    [[claim]]
    id = "1a"                      # shown in the table; entries sharing a number group
    title = "Cold start"
    quote = "the article's words"  # short
    what = "what is measured, exactly"
    unit = "s"                     # how the medians are shown
    conditions = "servers, workers, load ..."
    notes = ["..."]                # optional paragraphs under the claim
    omitted = ["..."]              # optional: what the article's snippets leave out
    [claim.measure]                # arena.claims.measures: kind + parameters
    kind = "cold_start"
    subjects = ["fastapi/uvicorn", ...]
    [claim.verdict]                # arena.claims.verdicts: kind + parameters
    kind = "range"
    expected = { "fastapi/uvicorn" = [0.5, 1.0] }
    [[claim.evidence]]             # optional: published figures, each with its source
    text = "..."
    url = "https://..."

Adding a claim that uses an existing measurement kind and verdict kind is adding an
entry here; no code changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("bench") / "claims.toml"
REQUIRED = ("id", "title", "quote", "what", "measure", "verdict")


@dataclass(frozen=True)
class Evidence:
    text: str
    url: str


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    quote: str
    what: str
    measure: dict[str, Any]
    verdict: dict[str, Any]
    unit: str = ""
    conditions: str = ""
    notes: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


class ClaimsFileError(ValueError):
    pass


def parse(text: str, source: str = "claims") -> list[Claim]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimsFileError(f"{source}: {exc}") from None
    claims = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("claim", []), start=1):
        absent = [key for key in REQUIRED if key not in entry]
        if absent:
            raise ClaimsFileError(f"{source}: claim #{index} lacks {', '.join(absent)}")
        if entry["id"] in seen:
            raise ClaimsFileError(f"{source}: claim id {entry['id']!r} appears twice")
        seen.add(entry["id"])
        for table in ("measure", "verdict"):
            if "kind" not in entry[table]:
                raise ClaimsFileError(f"{source}: claim {entry['id']}: [{table}] has no kind")
        evidence = []
        for item in entry.get("evidence", []):
            if not item.get("url") or not item.get("text"):
                raise ClaimsFileError(
                    f"{source}: claim {entry['id']}: evidence needs both text and url"
                )
            evidence.append(Evidence(text=item["text"], url=item["url"]))
        claims.append(
            Claim(
                id=str(entry["id"]),
                title=entry["title"],
                quote=entry["quote"],
                what=entry["what"],
                measure=dict(entry["measure"]),
                verdict=dict(entry["verdict"]),
                unit=entry.get("unit", ""),
                conditions=entry.get("conditions", ""),
                notes=list(entry.get("notes", [])),
                omitted=list(entry.get("omitted", [])),
                evidence=evidence,
            )
        )
    return claims


def load(path: Path) -> list[Claim]:
    return parse(path.read_text(encoding="utf-8"), str(path))
