"""Sections of docs/benchmarks.md written by their own benchmark, kept when the rest is rewritten.

Each lives between ``<!-- name:start -->`` and ``<!-- name:end -->``; ``benchmarks.run``
regenerates the rest of the file and carries these over unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
_BLOCK = re.compile(r"<!-- (?P<name>[\w-]+):start -->.*?<!-- (?P=name):end -->\n?", re.S)


def section_write(name: str, markdown: str, path: Path = DOC) -> None:
    """Put ``markdown`` in the named section of ``path``, replacing it or appending it."""
    block = f"<!-- {name}:start -->\n{markdown.rstrip()}\n<!-- {name}:end -->\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(
        rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->\n?", re.S
    )
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block
    )
    path.write_text(text)


def sections_of(text: str) -> list[str]:
    """Every named section of a document, as written."""
    return [match.group(0) for match in _BLOCK.finditer(text)]


def sections_keep(old: str, new: str) -> str:
    """``new`` with the named sections of ``old`` that ``new`` does not have, appended."""
    kept = [block for block in sections_of(old) if block.split(" -->", 1)[0] not in new]
    return new.rstrip() + (
        "\n\n" + "\n".join(block.rstrip() for block in kept) + "\n" if kept else "\n"
    )
