"""Settings for one machine: `make run` (SQLite and the embedded graph store by default)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
