"""A migrated SQLite file, for the tests that run the portal as its embedded default does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def sqlite_env(db: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a process of the portal on the SQLite file ``db``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="lineage_portal.settings.local",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{db}",
        AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit"),
    )
    return env


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A freshly migrated SQLite file for the module, and the environment of a process on it."""
    tmp_path = tmp_path_factory.mktemp("sqlite")
    db = tmp_path / "portal.sqlite3"
    env = sqlite_env(db, tmp_path)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    return db, env
