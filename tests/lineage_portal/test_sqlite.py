"""SQLite, the embedded default: concurrent writers wait their turn instead of failing.

Real processes write to a real SQLite file, as `make run`'s server, a Celery worker and
a management command would at the same moment.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from lineage_portal.busy import BusyDatabaseIs503

REPO = Path(__file__).resolve().parents[2]
WRITERS, WRITES = 4, 15

# One writer: read the chain head, pause inside the transaction, then append an event.
# In a deferred transaction two such writers deadlock on the lock upgrade, and SQLite
# fails one of them at once, whatever the busy timeout.
WRITER = """
import sys, time, django
django.setup()
from django.db import transaction
from governance.audit import audit_event_append
from governance.models import AuditChainHead
for i in range(int(sys.argv[2])):
    with transaction.atomic():
        AuditChainHead.objects.first()
        time.sleep(0.01)
        audit_event_append(actor=None, action="test.write", object_type="dataset",
                           object_key=f"{sys.argv[1]}-{i}")
"""


def test_the_database_runs_in_wal_mode(sqlite_db):
    db, _ = sqlite_db
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_writers_all_succeed(sqlite_db):
    db, env = sqlite_db
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, f"w{n}", str(WRITES)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    results = [(writer.wait(timeout=300), writer.stderr.read()) for writer in writers]
    assert [code for code, _ in results] == [0] * WRITERS, [err for _, err in results]
    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_trail"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.stdout.strip() == f"{WRITERS * WRITES} events verified, chain intact"


def test_the_triggers_guard_the_trail_on_sqlite_too(sqlite_db):
    db, _ = sqlite_db
    with sqlite3.connect(db) as connection:
        for sql in (
            "UPDATE governance_auditevent SET reason = 'x'",
            "DELETE FROM governance_auditevent",
            "DELETE FROM governance_auditchainhead",
            "UPDATE governance_auditchainhead SET seq = 0, hash = ''",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only|moves forward"):
                connection.execute(sql)


def test_a_lock_held_past_the_timeout_is_a_503_with_retry_after():
    def locked(request):
        raise OperationalError("database is locked")

    middleware = BusyDatabaseIs503(locked)
    request = RequestFactory().post("/api/v1/governance/datasets/1/")
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert middleware.process_exception(request, OperationalError("syntax error")) is None
