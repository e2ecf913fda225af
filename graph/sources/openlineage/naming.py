"""OpenLineage dataset names as our keys spell them.

Namespaces follow the spec's naming conventions where they can (``postgres://host:port``,
``snowflake://org-account``, ``bigquery``, ``s3://bucket``, ``hdfs://…``, ``file``); the
server address is dropped, as in the keys the SQL sources write, while object stores and
file systems keep their bucket or host.
"""

from __future__ import annotations

import re

# OpenLineage namespace schemes that name the same platform as our keys under another name.
PLATFORM_ALIASES = {"postgresql": "postgres", "sqlserver": "mssql", "awsathena": "athena"}
# Object stores and file systems: the bucket or host is part of a file's identity.
FILE_PLATFORMS = frozenset(
    {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "file", "dbfs"}
)
PLATFORM = re.compile(r"^[a-z][a-z0-9+.\-]*$")
_QUOTES = re.compile(r'["`\[\]]')


def dataset_name(namespace: str, name: str) -> tuple[str, str]:
    """(platform, name) of an OpenLineage dataset, lower-cased, as our keys spell them.

    ``snowflake://org-account`` + ``DB.SCHEMA.TABLE`` → (snowflake, db.schema.table);
    ``postgres://host:5432`` + ``db.schema.table`` → (postgres, db.schema.table);
    ``bigquery`` + ``project.dataset.table`` → (bigquery, project.dataset.table). Other
    databases likewise: the server address is dropped, as in the keys the SQL sources
    write. Object stores and file systems keep their bucket or host
    (``s3://bucket`` + ``dir/f.csv`` → (s3, bucket/dir/f.csv)); AWS Glue ARNs become
    ``glue`` with ``database.table``.
    """
    scheme, sep, authority = namespace.strip().partition("://")
    if not sep and scheme.lower().startswith("arn:aws:glue:"):
        return "glue", _sql_name(name.strip().removeprefix("table/").replace("/", "."))
    scheme = scheme.split(":", 1)[0].lower()
    platform = PLATFORM_ALIASES.get(scheme, scheme)
    if platform in FILE_PLATFORMS:
        path = name.strip()
        if authority.strip("/"):
            path = f"{authority.strip('/')}/{path.lstrip('/')}"
        return platform, path.lower()
    return platform, _sql_name(name)


def _sql_name(name: str) -> str:
    """A table name without identifier quotes, lower-cased: quoting only changes case."""
    return _QUOTES.sub("", name).strip().lower()
