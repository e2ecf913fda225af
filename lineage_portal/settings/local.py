"""Settings for one machine: `make run` (SQLite and the embedded graph store by default)."""

from .base import *  # noqa: F403
from .base import AUDIT_HMAC_KEY, SECRET_KEY, env, refuse_public_keys

DEBUG = env.bool("DJANGO_DEBUG", default=True)
refuse_public_keys(debug=DEBUG, secret_key=SECRET_KEY, audit_key=AUDIT_HMAC_KEY)
