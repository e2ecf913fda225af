#!/usr/bin/env bash
# Builds .venv-bench/: the peer SQL-lineage tools the parser benchmark compares us with.
#
# A separate virtualenv because DataHub pins its own sqlglot fork (acryl-sqlglot, which
# installs as the `sqlglot` module) and sqllineage pins sqlparse/sqlfluff; neither may
# touch the project's .venv. Idempotent: a stamp file records the pinned versions, and
# the venv is rebuilt only when they change.
#
# usage: scripts/bench-peers.sh          (prints the venv's python path when done)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$REPO_ROOT/.venv-bench}"
PYTHON_BOOT="${PYTHON_BOOT:-python3}"

DATAHUB_VERSION="1.7.0.17"
SQLLINEAGE_VERSION="1.5.9"
REQUIREMENTS=(
  "acryl-datahub[sql-parser]==$DATAHUB_VERSION"
  "sqllineage==$SQLLINEAGE_VERSION"
)
STAMP="$VENV/.installed-$(printf '%s\n' "${REQUIREMENTS[@]}" | cksum | cut -d' ' -f1)"

if [[ -f "$STAMP" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

echo "bench-peers.sh: building $VENV (${REQUIREMENTS[*]})" >&2
test -x "$VENV/bin/python" || "$PYTHON_BOOT" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip >&2
"$VENV/bin/pip" install --quiet "${REQUIREMENTS[@]}" >&2
# Fail here, not in the middle of a benchmark, when an import is broken.
"$VENV/bin/python" -c "
from datahub.sql_parsing.sqlglot_lineage import sqlglot_lineage
from sqllineage.runner import LineageRunner
" >&2
rm -f "$VENV"/.installed-* && touch "$STAMP"
echo "$VENV/bin/python"
