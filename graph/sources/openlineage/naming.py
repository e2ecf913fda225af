"""OpenLineage dataset names as our keys spell them.

Namespaces are free strings in the spec. Those that follow its naming conventions
(``postgres://host:port``, ``snowflake://org-account``, ``bigquery``, ``s3://bucket``,
``hdfs://…``, ``file``, ``kafka://…``) name a platform: the server address is dropped, as
in the keys the SQL sources write, while object stores and file systems keep their bucket
or host. Any other namespace (``food_delivery``, ``2020db``, ``my ns``) stays its own
namespace and takes the platform's place in the key: ``food_delivery://public.orders``.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

# OpenLineage namespace schemes that name the same platform as our keys under another name.
PLATFORM_ALIASES = {"postgresql": "postgres", "sqlserver": "mssql", "awsathena": "athena"}
# Object stores and file systems: the bucket or host is part of a file's identity.
FILE_PLATFORMS = frozenset(
    {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "file", "dbfs"}
)
MAX_PLATFORM = 64  # graph.models: Dataset.platform, StoreNode.platform
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)
_QUOTES = re.compile(r'["`\[\]]')
# What a namespace of its own keeps as it is in a key; the rest is percent-encoded, so that
# no namespace can spell "://" or "#" and two namespaces never share a key.
_NAMESPACE_SAFE = "_+.-"


def dataset_name(namespace: str, name: str) -> tuple[str, str]:
    """(platform, name) of an OpenLineage dataset, lower-cased, as our keys spell them.

    ``snowflake://org-account`` + ``DB.SCHEMA.TABLE`` → (snowflake, db.schema.table);
    ``postgres://host:5432`` + ``db.schema.table`` → (postgres, db.schema.table);
    ``bigquery`` + ``project.dataset.table`` → (bigquery, project.dataset.table). Other
    databases likewise. Object stores and file systems keep their bucket or host
    (``s3://bucket`` + ``dir/f.csv`` → (s3, bucket/dir/f.csv)); AWS Glue ARNs become
    ``glue`` with ``database.table``; any other namespace is its own platform
    (``food_delivery`` + ``public.orders`` → (food_delivery, public.orders)).
    """
    namespace = namespace.strip()
    if namespace.lower().startswith("arn:aws:glue:"):
        return "glue", _sql_name(name.strip().removeprefix("table/").replace("/", "."))
    uri = _URI.match(namespace)
    if uri is not None:
        scheme, authority = uri.group(1).lower(), uri.group(2)
        platform = PLATFORM_ALIASES.get(scheme, scheme)
    else:
        authority, platform = "", namespace_platform(namespace)
    if platform in FILE_PLATFORMS:
        path = name.strip()
        if authority.strip("/"):
            path = f"{authority.strip('/')}/{path.lstrip('/')}"
        return platform, _key_safe(path.lower())
    return platform, _sql_name(name)


def namespace_platform(namespace: str) -> str:
    """A namespace that names no platform, as the platform part of a key.

    Lower-cased and percent-encoded beyond letters, digits and ``_+.-``; one longer than a
    platform may be keeps its start and a digest of the whole (``…~<16 hex>``).
    """
    encoded = quote(namespace.strip().lower(), safe=_NAMESPACE_SAFE)
    if len(encoded) <= MAX_PLATFORM:
        return encoded
    digest = hashlib.sha256(encoded.encode()).hexdigest()[:16]
    return f"{encoded[: MAX_PLATFORM - 17]}~{digest}"


def _sql_name(name: str) -> str:
    """A table name without identifier quotes, lower-cased: quoting only changes case."""
    return _key_safe(_QUOTES.sub("", name).strip().lower())


def _key_safe(name: str) -> str:
    """``#`` starts a column in our keys, so a name that holds one spells it ``%23``."""
    return name.replace("#", "%23")
