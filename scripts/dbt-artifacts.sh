#!/usr/bin/env bash
# Build the dbt fixture project with real dbt and copy its artifacts to a directory.
#
#   bash scripts/dbt-artifacts.sh OUT_DIR [PROJECT_DIR]
#
# Writes OUT_DIR/manifest.json, OUT_DIR/run_results.json (from `dbt build`: one model fails
# on purpose, so dbt's exit code 1 is expected), OUT_DIR/catalog.json (`dbt docs
# generate`) and OUT_DIR/docs/run_results.json (the one `dbt docs generate` writes, which
# runs no model). dbt lives in its own virtualenv, .venv-dbt/ (its pins clash with ours), built
# here on first use from the pins below. DuckDB is the warehouse, in a temporary directory.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: dbt-artifacts.sh OUT_DIR [PROJECT_DIR]}"
PROJECT="$(cd "${2:-$ROOT/tests/fixtures/dbt_project}" && pwd)"
VENV="${DBT_VENV:-$ROOT/.venv-dbt}"
PYTHON_BOOT="${PYTHON_BOOT:-python3}"

# dbt-core 1.10 with dbt-duckdb 1.9 and everything they pull in, pinned (pip freeze).
PINS="agate==1.9.1 annotated-types==0.8.0 attrs==26.1.0 babel==2.18.0 certifi==2026.10.18
charset-normalizer==3.5.2 click==8.5.1 colorama==0.4.6 daff==1.4.2 dbt-adapters==1.24.5
dbt-common==1.39.0 dbt-core==1.10.23 dbt-duckdb==1.9.6 dbt-extractor==0.6.0
dbt-protos==1.0.615 dbt-semantic-interfaces==0.9.0 deepdiff==8.6.2 duckdb==2.0.0 idna==3.20
importlib_metadata==8.9.0 isodate==0.7.2 Jinja2==3.1.6 jsonschema==4.26.0
jsonschema-specifications==2025.9.1 leather==0.4.1 MarkupSafe==3.0.4 mashumaro==3.14
more-itertools==10.8.0 msgpack==1.2.4 networkx==3.6.1 opentelemetry-api==1.45.2
orderly-set==5.5.0 packaging==26.3 parsedatetime==2.6 pathspec==0.12.1 protobuf==6.33.6
pydantic==2.14.3 pydantic_core==2.50.4 python-dateutil==2.9.0.post0 python-slugify==9.2.0
pytimeparse==1.1.10 pytz==2026.6 PyYAML==6.0.3 referencing==0.37.0 requests==2.34.2
rpds-py==2026.9.1 six==1.17.0 snowplow-tracker==1.1.0 sqlparse==0.5.4 text-unidecode==1.3
typing-inspection==0.4.5 typing_extensions==4.16.0 urllib3==2.8.0 zipp==4.1.2"
STAMP="$VENV/.installed-$(echo "$PINS" | cksum | cut -d' ' -f1)"

export DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_USE_COLORS=false
export DBT_VERSION_CHECK=false

install_dbt() {
  mkdir -p "$VENV"
  # Two test runs at once must not install into the same virtualenv together.
  exec 9>"$VENV/.install.lock"
  flock 9
  if [ ! -f "$STAMP" ]; then
    echo "dbt-artifacts: installing dbt into $VENV" >&2
    test -x "$VENV/bin/python" || "$PYTHON_BOOT" -m venv "$VENV"
    # shellcheck disable=SC2086 # PINS is a list of requirement words
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps $PINS
    rm -f "$VENV"/.installed-* && touch "$STAMP"
  fi
  flock -u 9
}

# Runs dbt; returns dbt's exit code instead of stopping the script on it.
dbt() {
  local status=0
  "$VENV/bin/dbt" "$@" --project-dir "$PROJECT" --profiles-dir "$PROJECT" \
    --log-path "$WORK/logs" --no-partial-parse >>"$WORK/dbt.log" 2>&1 || status=$?
  return "$status"
}

fail() {
  echo "dbt-artifacts: $1 (dbt's output follows)" >&2
  cat "$WORK/dbt.log" >&2
  exit 1
}

install_dbt
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export DBT_DUCKDB_PATH="$WORK/shop.duckdb"
mkdir -p "$OUT"

# Seeds first: the customers source reads the table the seed loads, and dbt cannot know.
dbt seed --target-path "$WORK/seed" || fail "dbt seed failed"
# Exit code 1 means "some node failed" (the fixture's failing model); 2 means dbt itself failed.
status=0
dbt build --exclude "resource_type:seed" --target-path "$WORK/build" || status=$?
if [ "$status" -gt 1 ]; then
  fail "dbt build failed with exit code $status"
fi
# docs generate compiles every node (the skipped ones too) and reads the warehouse catalog.
dbt docs generate --target-path "$WORK/docs" || fail "dbt docs generate failed"

cp "$WORK/docs/manifest.json" "$WORK/docs/catalog.json" "$OUT/"
cp "$WORK/build/run_results.json" "$OUT/"
mkdir -p "$OUT/docs"
cp "$WORK/docs/run_results.json" "$OUT/docs/"
echo "dbt-artifacts: wrote manifest.json, run_results.json, catalog.json and docs/ to $OUT" >&2
