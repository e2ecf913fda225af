"""Settings for a deployment (docker-compose's web, worker and beat; gunicorn serves wsgi.py).

Secrets come from the environment and have no default: start-up stops naming the one
that is missing. TLS is expected in front of the portal; behind a reverse proxy that
terminates it, set DJANGO_PROXY_COUNT (and the proxy must send X-Forwarded-Proto).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import _setting, env, refuse_public_keys

DEBUG = False
MIN_KEY_LENGTH = 32


def _secret(name: str) -> str:
    value = str(_setting(name, env.str, default=""))
    if len(value) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"Setting {name} is required: a random secret of at least {MIN_KEY_LENGTH} "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    return value


SECRET_KEY = _secret("DJANGO_SECRET_KEY")
AUDIT_HMAC_KEY = _secret("AUDIT_HMAC_KEY")
refuse_public_keys(debug=DEBUG, secret_key=SECRET_KEY, audit_key=AUDIT_HMAC_KEY)

# HTTPS: redirect, HSTS and secure cookies, each switchable for a TLS-terminating proxy
# or a local evaluation over plain http (docker-compose sets them off by default).
SECURE_SSL_REDIRECT = _setting("DJANGO_SECURE_SSL_REDIRECT", env.bool, default=True)
SECURE_HSTS_SECONDS = _setting("DJANGO_HSTS_SECONDS", env.int, default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _setting("DJANGO_HSTS_INCLUDE_SUBDOMAINS", env.bool, default=True)
SECURE_HSTS_PRELOAD = _setting("DJANGO_HSTS_PRELOAD", env.bool, default=True)
SESSION_COOKIE_SECURE = _setting("DJANGO_SECURE_COOKIES", env.bool, default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if PROXY_COUNT:  # noqa: F405
    # Only a proxy that overwrites X-Forwarded-Proto may be trusted with it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = _setting("DJANGO_CSRF_TRUSTED_ORIGINS", env.list, default=[])
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files: collected at image build time, served compressed by WhiteNoise.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
