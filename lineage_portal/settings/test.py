"""Settings for the test suite: the real services started by scripts/services.sh.

Django's own database is Postgres here (never SQLite), the Celery broker is Redis, and
Neo4j is reached over Bolt at TEST_NEO4J_URI by the tests that exercise that backend.
The application's default graph store stays embedded so that each test chooses its
backend explicitly through the fixtures in tests/conftest.py.
"""

from .base import *  # noqa: F403
from .base import env

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://lineage:lineage@127.0.0.1:54329/lineage"
    )
}
# Separate names let several test runs share one Postgres server without colliding.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_lineage")}
# The test runner empties its throwaway database with TRUNCATE between tests; the audit
# tables' triggers refuse that to every session that did not set this (see governance
# migration 0005). Production connections never set it.
DATABASES["default"]["OPTIONS"] = {"options": "-c lineage_portal.allow_audit_truncate=on"}

NEO4J_URI = ""
TEST_NEO4J_URI = env.str("TEST_NEO4J_URI", default="bolt://127.0.0.1:7688")
TEST_NEO4J_AUTH = env.str("TEST_NEO4J_AUTH", default="none")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:63799/0")
# Tests run tasks in-process unless a test starts a real worker (tests/graph/test_tasks.py).
CELERY_TASK_ALWAYS_EAGER = True
# Tests that need the scans after each change turn them on (tests/governance/exposure).
EXPOSURE_AUTO_SCAN = False

# A fixed key, so hashes in tests are reproducible; tests/conftest.py gives each test its
# own checkpoint directory.
AUDIT_HMAC_KEY = "test-audit-key-not-secret"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
