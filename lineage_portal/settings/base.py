"""Settings shared by every environment; the environment is read here and only here."""

import warnings
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from lineage_portal.config import ConfigError, apply_environment, load_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _setting(name: str, reader, **kwargs):
    """Read one environment setting; a bad value stops start-up naming the setting."""
    try:
        return reader(name, **kwargs)
    except (ValueError, ImproperlyConfigured, environ.compat.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Setting {name} is invalid: {exc}") from exc


# Public defaults, good for `make run` with DEBUG on and for the tests only: every other
# start refuses them (see refuse_public_keys, called by the local and production settings).
DEV_SECRET_KEY = "insecure-local-only-key-change-me"
DEV_AUDIT_HMAC_KEY = "insecure-local-only-audit-key-change-me"
SECRET_KEY = _setting("DJANGO_SECRET_KEY", env.str, default=DEV_SECRET_KEY)
DEBUG = _setting("DJANGO_DEBUG", env.bool, default=False)
ALLOWED_HOSTS = _setting("DJANGO_ALLOWED_HOSTS", env.list, default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "lineage_portal",
    "graph",
    "governance",
    "governance.alerts",
    "governance.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lineage_portal.input_guard.EscapeHiddenCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lineage_portal.input_guard.RefuseUnstorableInput",
    "lineage_portal.busy.BusyDatabaseIs503",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every view needs a login unless marked @login_not_required; the API is DRF's to judge.
    "lineage_portal.login.PortalLoginRequired",
    # Last, as django-axes asks: failed logins are throttled per account and per address.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lineage_portal.urls"
WSGI_APPLICATION = "lineage_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lineage_portal.context_processors.portal",
            ],
        },
    },
]


# --- Lineage engine config (lineage-engine.config.yaml) ------------------------
# Read first: it names connections (graph.uri, compliance.classification_db …) that the
# settings below use when the environment does not set them. Where both do, the
# environment wins and LINEAGE_CONFIG_DISAGREEMENTS keeps the difference for
# `manage.py check` (lineage_portal.checks). Code reads it through
# lineage_portal.config.engine(), never this dict.
LINEAGE_CONFIG_PATH = _setting(
    "LINEAGE_CONFIG", env.str, default=str(BASE_DIR / "lineage-engine.config.yaml")
)
try:
    LINEAGE_CONFIG = load_config(LINEAGE_CONFIG_PATH, environ=dict(env.ENVIRON))
except ConfigError as exc:
    raise ImproperlyConfigured(f"Setting LINEAGE_CONFIG ({LINEAGE_CONFIG_PATH}): {exc}") from exc
LINEAGE_CONFIG_DISAGREEMENTS = apply_environment(LINEAGE_CONFIG, dict(env.ENVIRON))


def _database_url() -> dict:
    # DATABASE_URL wins over compliance.classification_db (already applied above).
    default = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    url = LINEAGE_CONFIG["compliance"]["classification_db"] or default
    scheme = url.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"Setting DATABASE_URL is invalid: scheme {scheme!r} is not supported "
            "(use sqlite:///path or postgres://user:pass@host:port/db)"
        )
    config = env.db_url_config(url)
    if scheme == "sqlite":
        config["OPTIONS"] = sqlite_options()
    return config


def sqlite_options() -> dict:
    """SQLite for concurrent use: WAL (readers never block the writer), writers wait their turn.

    IMMEDIATE takes the write lock when a transaction begins, so two writers queue on the
    busy timeout instead of deadlocking halfway (the "database is locked" error).
    """
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": _setting("SQLITE_BUSY_TIMEOUT", env.int, default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


DATABASES = {"default": _database_url()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins: after AXES_FAILURE_LIMIT failures for one account, or from one address,
# further attempts are refused for AXES_COOLOFF_MINUTES. A success resets the count.
AXES_FAILURE_LIMIT = _setting("AXES_FAILURE_LIMIT", env.int, default=5)
AXES_COOLOFF_TIME = timedelta(minutes=_setting("AXES_COOLOFF_MINUTES", env.int, default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# The client address is REMOTE_ADDR, which a client cannot forge; behind a reverse proxy
# (DJANGO_PROXY_COUNT proxies), the address that proxy put in X-Forwarded-For.
PROXY_COUNT = _setting("DJANGO_PROXY_COUNT", env.int, default=0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(
    _setting("DJANGO_STATIC_ROOT", env.str, default=str(BASE_DIR / "var" / "staticfiles"))
)
# Served from the app directories in development; collectstatic fills STATIC_ROOT for deploys.
WHITENOISE_USE_FINDERS = True
# STATIC_ROOT exists once collectstatic has run; until then WhiteNoise serves from the
# finders and need not say that the directory is missing.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# --- Content-Security-Policy (django-csp) ---------------------------------------
# Everything comes from the portal itself: no CDN, no inline script, no eval. Inline
# styles are allowed: templates use style="…" attributes, and cytoscape.js and the API
# docs add <style> elements; styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Audit trail --------------------------------------------------------------
# The key of the audit chain's keyed hashes and of its checkpoints. It lives in the
# environment, never in the database: whoever can write the database must not hold it.
AUDIT_HMAC_KEY = _setting("AUDIT_HMAC_KEY", env.str, default=DEV_AUDIT_HMAC_KEY)
# Signed checkpoints are appended here; put it on append-only storage in production.
AUDIT_CHECKPOINT_DIR = _setting("AUDIT_CHECKPOINT_DIR", env.str, default=str(BASE_DIR / "var"))
AUDIT_CHECKPOINT_MINUTES = _setting("AUDIT_CHECKPOINT_MINUTES", env.int, default=60)


def refuse_public_keys(*, debug: bool, secret_key: str, audit_key: str) -> None:
    """Stop start-up when DEBUG is off and a key is still the public development default."""
    if debug:
        return
    for name, value, public in (
        ("DJANGO_SECRET_KEY", secret_key, DEV_SECRET_KEY),
        ("AUDIT_HMAC_KEY", audit_key, DEV_AUDIT_HMAC_KEY),
    ):
        if value == public:
            raise ImproperlyConfigured(
                f"Setting {name} is the public development default and DEBUG is off: set "
                f"{name} to a long random secret (python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'), or DJANGO_DEBUG=1 on your own machine."
            )


# Uploaded CSV imports wait here (not in the session) between their check and their apply.
CSV_IMPORT_DIR = _setting("CSV_IMPORT_DIR", env.str, default=str(BASE_DIR / "var" / "imports"))

# --- Graph store -------------------------------------------------------------
# NEO4J_URI / NEO4J_AUTH win over graph.uri / graph.credentials (applied above).
NEO4J_URI = LINEAGE_CONFIG["graph"]["uri"]
NEO4J_AUTH = LINEAGE_CONFIG["graph"]["credentials"] or "none"
NEO4J_DATABASE = _setting("NEO4J_DATABASE", env.str, default="neo4j")
# How long the driver retries a transaction that failed transiently before the window fails
# and Celery's retry policy takes over.
NEO4J_RETRY_SECONDS = _setting("NEO4J_RETRY_SECONDS", env.float, default=30.0)
_NEO4J_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
if NEO4J_URI and NEO4J_URI.split("://", 1)[0] not in _NEO4J_SCHEMES:
    raise ImproperlyConfigured(
        f"Setting NEO4J_URI is invalid: {NEO4J_URI!r} must start with bolt:// or neo4j://"
    )
if NEO4J_AUTH != "none" and "/" not in NEO4J_AUTH:
    raise ImproperlyConfigured("Setting NEO4J_AUTH is invalid: use 'none' or 'user/password'")

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = _setting("CELERY_BROKER_URL", env.str, default="")
# Without a broker the portal still works on one machine: tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Exposure findings are re-evaluated after ingestion runs and governance changes.
EXPOSURE_AUTO_SCAN = _setting("EXPOSURE_AUTO_SCAN", env.bool, default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = _setting("CELERY_RESULT_BACKEND", env.str, default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A window keeps running when the broker connection drops (Redis restarting): its result
# goes to the database, not the broker, and a second delivery of its message is harmless.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- E-mail (alerts) ----------------------------------------------------------------
# SMTP comes from the environment (EMAIL_URL, e.g. smtp+tls://user:pass@mail:587);
# recipients and the sender are monitoring.email in the configuration file.
vars().update(_setting("EMAIL_URL", env.email_url, default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = LINEAGE_CONFIG["monitoring"]["email"]["from"]
EMAIL_TIMEOUT = 10

# --- Snowflake (secrets stay in the environment) -----------------------------
SNOWFLAKE = {
    "account": _setting("SNOWFLAKE_ACCOUNT", env.str, default=""),
    "user": _setting("SNOWFLAKE_USER", env.str, default=""),
    "password": _setting("SNOWFLAKE_PASSWORD", env.str, default=""),
    # SNOWFLAKE_ROLE wins over telemetry.role (applied above).
    "role": LINEAGE_CONFIG["telemetry"]["role"],
    "warehouse": _setting("SNOWFLAKE_WAREHOUSE", env.str, default=""),
    # Set only for the local emulator (fakesnow server) or a private endpoint.
    "host": _setting("SNOWFLAKE_HOST", env.str, default=""),
    "port": _setting("SNOWFLAKE_PORT", env.int, default=443),
    "protocol": _setting("SNOWFLAKE_PROTOCOL", env.str, default="https"),
}

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # NUL or a lone surrogate anywhere in a JSON body is a 400, never a database error.
    "DEFAULT_PARSER_CLASSES": [
        "lineage_portal.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Services' errors (ValidationError, PermissionDenied, StaleAssetError, StoreError…)
    # become HTTP answers in one place.
    "EXCEPTION_HANDLER": "lineage_portal.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lineage Portal API",
    "DESCRIPTION": "Lineage, governance and exposure evidence for regulated data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "neo4j": {"level": "WARNING"},
        "snowflake": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Redis redelivers a message nobody acknowledged after the visibility timeout (Redis's
# default is 1 h). Set on purpose from `telemetry.visibility_timeout_seconds`: longer than
# any retry's wait (the config refuses otherwise), since a message waiting for its
# countdown is unacknowledged too. A killed worker's window does not wait for it: the
# sweeper queues it again as soon as its lease runs out. See docs/operations.md.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": LINEAGE_CONFIG["telemetry"]["visibility_timeout_seconds"],
}

# Incremental sync on Celery beat, every `telemetry.scan_interval_minutes`, and the
# sweeper of interrupted windows, every `telemetry.lease_seconds`.
# The audit chain is verified from its last checkpoint and anchored every
# AUDIT_CHECKPOINT_MINUTES, and recomputed in full once a day; the alerts' daily digest
# at `monitoring.digest_hour` (UTC).
CELERY_BEAT_SCHEDULE = {
    "incremental-sync": {
        "task": "graph.tasks.incremental_sync_task",
        "schedule": 60.0 * LINEAGE_CONFIG["telemetry"]["scan_interval_minutes"],
    },
    "sweep-interrupted-windows": {
        "task": "graph.tasks.sweep_task",
        "schedule": float(LINEAGE_CONFIG["telemetry"]["lease_seconds"]),
    },
    "audit-checkpoint": {
        "task": "governance.tasks.audit_checkpoint_task",
        "schedule": 60.0 * AUDIT_CHECKPOINT_MINUTES,
    },
    "audit-full-verification": {
        "task": "governance.tasks.audit_full_verification_task",
        "schedule": 24 * 3600.0,
    },
    "alerts-digest": {
        "task": "governance.alerts.tasks.alert_digest_task",
        "schedule": crontab(hour=LINEAGE_CONFIG["monitoring"]["digest_hour"], minute=0),
    },
}
