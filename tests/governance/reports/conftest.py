"""Reports are kept in a directory of the test's own; PDFs are read back with poppler."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings


@pytest.fixture(autouse=True)
def report_dir(tmp_path):
    config = copy.deepcopy(settings.LINEAGE_CONFIG)
    config["reports"]["directory"] = str(tmp_path / "reports")
    config["reports"]["organisation"] = "Example Bank plc"
    with override_settings(LINEAGE_CONFIG=config):
        yield tmp_path / "reports"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """What a reader sees in a PDF, through poppler's pdftotext (layout kept)."""
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def body(response) -> bytes:
    """A response's bytes, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
