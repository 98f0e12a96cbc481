"""What a run measures: one ``Target`` per implementation x server, and per baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from arena import servers


@dataclass
class Target:
    id: str
    impl: str
    server: str
    kind: str
    """"implementation" or "baseline" (a minimal app of the same framework)."""
    url: str = ""
    running: servers.Running | None = None
    verified: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "impl": self.impl,
            "server": self.server,
            "kind": self.kind,
            "url": self.url,
            "verified": self.verified,
            "failures": self.failures,
        }
