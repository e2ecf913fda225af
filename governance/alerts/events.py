"""What a producer hands to the alert service: a plain, producer-agnostic description."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RISKS = ("HIGH", "MEDIUM", "LOW")


@dataclass(frozen=True)
class AlertEvent:
    """One event to alert on.

    ``idempotency_key`` identifies the event: raising the same key again sends nothing.
    ``details`` may carry ``source``, ``target`` (shown as "source → target"), ``path``
    (a list of asset names, upstream first) and ``path_summary`` (one line, in words);
    any other entries are kept with the alert and shown on the Alerts page.
    """

    kind: str
    idempotency_key: str
    risk: str
    title: str
    text: str = ""
    link: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.risk not in RISKS:
            raise ValueError(f"risk must be one of {', '.join(RISKS)}, not {self.risk!r}")
        if not self.idempotency_key or not self.kind or not self.title:
            raise ValueError("an alert needs a kind, an idempotency key and a title")
