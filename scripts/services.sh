#!/usr/bin/env bash
# Start/stop the real backing services that Lineage Portal's tests and local dev need:
#   PostgreSQL (own cluster), Redis, and Neo4j 5.26 (tools/neo4j-server launcher).
#
# usage: scripts/services.sh start  [postgres|redis|neo4j|all]   (default: all)
#        scripts/services.sh stop   [postgres|redis|neo4j|all]   (default: all)
#        scripts/services.sh status                              (exit 1 if any is down)
#        scripts/services.sh env                                 (prints export lines)
#   e.g. eval "$(scripts/services.sh env)"
#   REDIS_DB=N picks the Redis database of the broker URL, so several test runs on one
#   machine (each with its own TEST_DATABASE_NAME) never take each other's tasks.
#
# Everything lives under <repo>/.services (git-ignored). No Docker needed; missing
# system packages are apt-get installed (needs root). See docs/services.md.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${SERVICES_DIR:-$REPO_ROOT/.services}"
HOST=127.0.0.1

PG_PORT="${PG_PORT:-54329}"
REDIS_PORT="${REDIS_PORT:-63799}"
NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7688}"

PG_USER=lineage
PG_PASSWORD=lineage
PG_DB=lineage
PGDATA_DIR="$STATE_DIR/postgres"
PG_LOG="$STATE_DIR/postgres.log"

REDIS_DIR="$STATE_DIR/redis"
REDIS_LOG="$STATE_DIR/redis.log"
REDIS_PID="$STATE_DIR/redis.pid"

NEO4J_SRC="$REPO_ROOT/tools/neo4j-server"
NEO4J_HOME_DIR="$STATE_DIR/neo4j"          # debug.log etc. go to $NEO4J_HOME_DIR/logs
NEO4J_DATA_DIR="$NEO4J_HOME_DIR/data"
NEO4J_LOG="$STATE_DIR/neo4j.log"
NEO4J_PID="$STATE_DIR/neo4j.pid"
NEO4J_BUILD_LOG="$STATE_DIR/neo4j-build.log"
NEO4J_START_TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
# JVM flags for Neo4j 5.26 on Java 17; the --add-opens avoid slow fallback code paths
# in the page cache / native file access (see docs/services.md).
NEO4J_JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xms512m -Xmx1g -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
-Djdk.nio.maxCachedBufferSize=1024}"
NEO4J_PAGECACHE_MB="${NEO4J_PAGECACHE_MB:-256}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"

# ---------------------------------------------------------------------------- helpers

die() { echo "services.sh: ERROR: $*" >&2; exit 1; }
note() { echo "services.sh: $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# Is something accepting TCP connections on 127.0.0.1:$1 ?
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

_APT_UPDATED=0
apt_install() {
    # apt_install PKG... : install the packages that are not installed yet.
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install: ${missing[*]}"
        sudo=(sudo)
    fi
    note "installing ${missing[*]} (apt-get)"
    if [ "$_APT_UPDATED" -eq 0 ]; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        _APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
}

# Is $1 a live process whose command line contains $2 ?
pid_is() {
    local pid="$1" pattern="$2"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern"
}

read_pid() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# Send TERM to a pid, wait up to $2 seconds, then KILL.
stop_pid() {
    local pid="$1" timeout="$2" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < timeout * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    note "pid $pid did not stop within ${timeout}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------- postgres

PG_BIN=""
PG_OS_USER=""

pg_setup_bin() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
        apt_install postgresql postgresql-contrib
    fi
    local want=""
    [ -f "$PGDATA_DIR/PG_VERSION" ] && want="$(cat "$PGDATA_DIR/PG_VERSION")"
    if [ -n "$want" ]; then
        [ -x "/usr/lib/postgresql/$want/bin/postgres" ] ||
            die "postgres: cluster in $PGDATA_DIR is version $want but /usr/lib/postgresql/$want is not installed (remove $PGDATA_DIR to recreate it)"
        PG_BIN="/usr/lib/postgresql/$want/bin"
    else
        PG_BIN="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    # initdb/postgres refuse to run as root: run the cluster as the 'postgres' OS user then.
    if [ "$(id -u)" -eq 0 ]; then
        PG_OS_USER=postgres
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    else
        PG_OS_USER="$(id -un)"
    fi
}

# Run a command as the cluster owner (from a directory it can read).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# Unix socket directory (private to the cluster owner); socket paths max ~107 bytes.
pg_socket_dir() {
    local dir="$STATE_DIR/run"
    if [ "${#dir}" -gt 80 ]; then dir="/tmp/lineage-portal-pg-$PG_PORT"; fi
    echo "$dir"
}

pg_running() { [ -f "$PGDATA_DIR/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

pg_answers() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_login_ok() {
    PGCONNECT_TIMEOUT=3 psql -X -q -At "postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB" \
        -c 'select 1' >/dev/null 2>&1
}

pg_prepare_dirs() {
    mkdir -p "$STATE_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        # The postgres user must be able to traverse every parent directory (top-down).
        local d dirs=() i
        d="$(cd "$STATE_DIR" && pwd -P)"
        while [ "$d" != "/" ]; do
            dirs+=("$d")
            d="$(dirname "$d")"
        done
        for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
            if ! runuser -u "$PG_OS_USER" -- test -x "${dirs[i]}" 2>/dev/null; then
                note "postgres: adding o+x to ${dirs[i]} so the '$PG_OS_USER' user can reach $PGDATA_DIR"
                chmod o+x "${dirs[i]}"
            fi
        done
    fi
    local sock
    sock="$(pg_socket_dir)"
    mkdir -p "$PGDATA_DIR" "$sock"
    touch "$PG_LOG"
    if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER": "$PGDATA_DIR" "$sock" "$PG_LOG"; fi
    chmod 700 "$PGDATA_DIR" "$sock"
}

pg_initdb() {
    note "postgres: initdb in $PGDATA_DIR"
    as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$STATE_DIR/postgres-initdb.log" 2>&1 ||
        { tail -n 20 "$STATE_DIR/postgres-initdb.log" >&2; die "postgres: initdb failed (see $STATE_DIR/postgres-initdb.log)"; }
    # Settings for a disposable dev/test cluster (durability traded for speed).
    as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- added by scripts/services.sh ---
listen_addresses = '$HOST'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 128MB
logging_collector = off
EOF
}

pg_ensure_db() {
    local sock
    sock="$(pg_socket_dir)"
    local psql_su=(env "PGOPTIONS=-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PG_PORT" -U "$PG_OS_USER")
    as_pg "${psql_su[@]}" -d postgres >/dev/null <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
GRANT pg_read_all_stats TO $PG_USER;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB') \gexec
EOF
    # In template1 too, so test databases created by pytest-django (test_lineage) have it.
    local db
    for db in "$PG_DB" template1; do
        as_pg "${psql_su[@]}" -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
    done
}

start_postgres() {
    local t0
    t0="$(now)"
    pg_setup_bin
    if pg_running; then
        pg_ensure_db
        pg_login_ok || die "postgres: our cluster runs but cannot log in as $PG_USER on $HOST:$PG_PORT (see $PG_LOG)"
        echo "postgres: already running on $HOST:$PG_PORT (data $PGDATA_DIR)"
        return 0
    fi
    if pg_answers; then
        pg_login_ok || die "postgres: port $PG_PORT is used by another PostgreSQL where $PG_USER/$PG_PASSWORD cannot log in to db $PG_DB (set PG_PORT to a free port)"
        echo "postgres: reusing the server already answering on $HOST:$PG_PORT (not managed by this script)"
        return 0
    fi
    port_open "$PG_PORT" && die "postgres: port $PG_PORT is in use by something that is not PostgreSQL (set PG_PORT)"

    pg_prepare_dirs
    [ -f "$PGDATA_DIR/PG_VERSION" ] || pg_initdb
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 \
        -o "-p $PG_PORT -k '$(pg_socket_dir)'" start >/dev/null 2>&1; then
        tail -n 20 "$PG_LOG" >&2 || true
        die "postgres: failed to start on $HOST:$PG_PORT (log: $PG_LOG)"
    fi
    pg_ensure_db
    pg_login_ok || die "postgres: started but cannot log in as $PG_USER on $HOST:$PG_PORT (log: $PG_LOG)"
    echo "postgres: running on $HOST:$PG_PORT (started in $(elapsed "$t0"), data $PGDATA_DIR)"
}

stop_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        echo "postgres: not running (no cluster in $PGDATA_DIR)"
        return 0
    fi
    pg_setup_bin
    if pg_running; then
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null ||
            die "postgres: pg_ctl stop failed (log: $PG_LOG)"
        echo "postgres: stopped"
    else
        echo "postgres: not running"
    fi
}

status_postgres() {
    if ! command -v psql >/dev/null 2>&1; then
        echo "postgres: DOWN (not installed)"
        return 1
    fi
    if pg_login_ok; then
        local who="external"
        if [ -f "$PGDATA_DIR/postmaster.pid" ]; then who="pid $(head -n 1 "$PGDATA_DIR/postmaster.pid")"; fi
        echo "postgres: UP on $HOST:$PG_PORT ($who)"
    else
        echo "postgres: DOWN on $HOST:$PG_PORT"
        return 1
    fi
}

# ---------------------------------------------------------------------------- redis

redis_ping() {
    command -v redis-cli >/dev/null 2>&1 &&
        [ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

start_redis() {
    local t0 i
    t0="$(now)"
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        apt_install redis-server redis-tools
    fi
    if redis_ping; then
        if pid_is "$(read_pid "$REDIS_PID")" redis-server; then
            echo "redis: already running on $HOST:$REDIS_PORT"
        else
            echo "redis: reusing the server already answering on $HOST:$REDIS_PORT (not managed by this script)"
        fi
        return 0
    fi
    port_open "$REDIS_PORT" && die "redis: port $REDIS_PORT is in use by something that is not Redis (set REDIS_PORT)"
    mkdir -p "$REDIS_DIR"
    # No persistence: no RDB snapshots, no AOF.
    redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" \
        --save "" --appendonly no --dir "$REDIS_DIR" \
        --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" >/dev/null ||
        die "redis: redis-server failed to start (log: $REDIS_LOG)"
    for ((i = 0; i < 150; i++)); do
        redis_ping && break
        sleep 0.1
    done
    if ! redis_ping; then
        tail -n 20 "$REDIS_LOG" >&2 || true
        die "redis: not answering on $HOST:$REDIS_PORT after 15s (log: $REDIS_LOG)"
    fi
    echo "redis: running on $HOST:$REDIS_PORT (started in $(elapsed "$t0"))"
}

stop_redis() {
    local pid
    pid="$(read_pid "$REDIS_PID")"
    if pid_is "$pid" redis-server; then
        stop_pid "$pid" 30
        rm -f "$REDIS_PID"
        echo "redis: stopped"
    elif redis_ping; then
        echo "redis: the server on $HOST:$REDIS_PORT was not started by this script; left running"
    else
        rm -f "$REDIS_PID"
        echo "redis: not running"
    fi
}

status_redis() {
    if redis_ping; then
        local pid
        pid="$(read_pid "$REDIS_PID")"
        pid_is "$pid" redis-server || pid=external
        echo "redis: UP on $HOST:$REDIS_PORT (pid $pid)"
    else
        echo "redis: DOWN on $HOST:$REDIS_PORT"
        return 1
    fi
}

# ---------------------------------------------------------------------------- neo4j

NEO4J_URI="bolt://$HOST:$NEO4J_BOLT_PORT"

# Does a Bolt server answer? Uses the official Python driver when available, else a
# raw Bolt handshake (stdlib only) so this works before the venv exists.
neo4j_answers() {
    local py="$PYTHON"
    if [ -x "$py" ] && "$py" -c 'import neo4j' >/dev/null 2>&1; then
        "$py" - "$NEO4J_URI" >/dev/null 2>&1 <<'EOF'
import sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=None, connection_timeout=3) as d:
    d.verify_connectivity()
EOF
    else
        command -v python3 >/dev/null 2>&1 || { port_open "$NEO4J_BOLT_PORT"; return; }
        python3 - "$HOST" "$NEO4J_BOLT_PORT" >/dev/null 2>&1 <<'EOF'
import socket, struct, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
# Bolt magic + 4 proposed versions (5.x range, 4.4, none, none)
s.sendall(bytes.fromhex("6060B017") + bytes.fromhex("00080805") + bytes.fromhex("00000404") + bytes(8))
v = s.recv(4)
sys.exit(0 if len(v) == 4 and struct.unpack(">I", v)[0] != 0 else 1)
EOF
    fi
}

neo4j_built() {
    local stamp="$NEO4J_SRC/target/.lineage-built"
    [ -f "$stamp" ] && [ -f "$NEO4J_SRC/target/classes/lineageportal/Neo4jServer.class" ] || return 1
    # Rebuild when the pom or a source file is newer than the last build.
    [ -z "$(find "$NEO4J_SRC/pom.xml" "$NEO4J_SRC/src" -newer "$stamp" -type f -print -quit)" ]
}

neo4j_build() {
    command -v java >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
    command -v mvn >/dev/null 2>&1 || apt_install maven
    neo4j_built && return 0
    local t0
    t0="$(now)"
    mkdir -p "$STATE_DIR"
    note "neo4j: building launcher (mvn package in tools/neo4j-server; first build downloads ~170 MB)"
    if ! mvn -B -q -Dstyle.color=never -f "$NEO4J_SRC/pom.xml" package >"$NEO4J_BUILD_LOG" 2>&1; then
        tail -n 30 "$NEO4J_BUILD_LOG" >&2 || true
        die "neo4j: launcher build failed (log: $NEO4J_BUILD_LOG)"
    fi
    touch "$NEO4J_SRC/target/.lineage-built"
    note "neo4j: launcher built in $(elapsed "$t0")"
}

NEO4J_T0=""
NEO4J_LAUNCHED=0

# Phase 1: build and spawn (returns immediately). Phase 2: neo4j_wait.
neo4j_launch() {
    NEO4J_T0="$(now)"
    NEO4J_LAUNCHED=0
    local pid
    pid="$(read_pid "$NEO4J_PID")"
    if pid_is "$pid" lineageportal.Neo4jServer; then
        return 0 # ours, running (or still starting): neo4j_wait checks it
    fi
    if neo4j_answers; then
        return 0 # someone else's Bolt server
    fi
    port_open "$NEO4J_BOLT_PORT" && die "neo4j: port $NEO4J_BOLT_PORT is in use by something that is not a Bolt server (set NEO4J_BOLT_PORT)"
    neo4j_build
    mkdir -p "$NEO4J_DATA_DIR"
    {
        echo "==== $(date -Is) starting Neo4j launcher on $HOST:$NEO4J_BOLT_PORT"
    } >>"$NEO4J_LOG"
    # shellcheck disable=SC2086  # NEO4J_JAVA_OPTS is a list of flags
    NEO4J_BOLT_HOST="$HOST" NEO4J_PAGECACHE_MB="$NEO4J_PAGECACHE_MB" \
        setsid nohup java $NEO4J_JAVA_OPTS \
        -cp "$NEO4J_SRC/target/classes:$NEO4J_SRC/target/lib/*" \
        lineageportal.Neo4jServer "$NEO4J_DATA_DIR" "$NEO4J_BOLT_PORT" \
        </dev/null >>"$NEO4J_LOG" 2>&1 &
    echo "$!" >"$NEO4J_PID"
    NEO4J_LAUNCHED=1
}

neo4j_wait() {
    local pid deadline
    pid="$(read_pid "$NEO4J_PID")"
    if [ "$NEO4J_LAUNCHED" -eq 0 ] && neo4j_answers; then
        if pid_is "$pid" lineageportal.Neo4jServer; then
            echo "neo4j: already running on $NEO4J_URI"
        else
            echo "neo4j: reusing the Bolt server already answering on $NEO4J_URI (not managed by this script)"
        fi
        return 0
    fi
    deadline=$(($(date +%s) + NEO4J_START_TIMEOUT))
    while ! neo4j_answers; do
        if ! pid_is "$pid" lineageportal.Neo4jServer; then
            echo "---- last lines of $NEO4J_LOG:" >&2
            tail -n 40 "$NEO4J_LOG" >&2 || true
            rm -f "$NEO4J_PID"
            die "neo4j: the launcher process exited before Bolt answered on $NEO4J_URI (log: $NEO4J_LOG, debug log: $NEO4J_HOME_DIR/logs/debug.log)"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "---- last lines of $NEO4J_LOG:" >&2
            tail -n 40 "$NEO4J_LOG" >&2 || true
            die "neo4j: Bolt did not answer on $NEO4J_URI within ${NEO4J_START_TIMEOUT}s (pid $pid left running; log: $NEO4J_LOG)"
        fi
        sleep 1
    done
    echo "neo4j: running on $NEO4J_URI (pid $pid, started in $(elapsed "$NEO4J_T0"), data $NEO4J_DATA_DIR)"
}

start_neo4j() {
    neo4j_launch
    neo4j_wait
}

stop_neo4j() {
    local pid
    pid="$(read_pid "$NEO4J_PID")"
    if pid_is "$pid" lineageportal.Neo4jServer; then
        # SIGTERM runs the launcher's shutdown hook (clean DBMS shutdown).
        stop_pid "$pid" 60
        rm -f "$NEO4J_PID"
        echo "neo4j: stopped"
    elif port_open "$NEO4J_BOLT_PORT"; then
        echo "neo4j: the server on $NEO4J_URI was not started by this script; left running"
    else
        rm -f "$NEO4J_PID"
        echo "neo4j: not running"
    fi
}

status_neo4j() {
    if neo4j_answers; then
        local pid
        pid="$(read_pid "$NEO4J_PID")"
        pid_is "$pid" lineageportal.Neo4jServer || pid=external
        echo "neo4j: UP on $NEO4J_URI (pid $pid)"
    else
        echo "neo4j: DOWN on $NEO4J_URI"
        return 1
    fi
}

# ---------------------------------------------------------------------------- commands

print_env() {
    cat <<EOF
export DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB
export CELERY_BROKER_URL=redis://$HOST:$REDIS_PORT/${REDIS_DB:-0}
export NEO4J_URI=$NEO4J_URI
export NEO4J_AUTH=none
export TEST_NEO4J_URI=$NEO4J_URI
EOF
}

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

check_service() {
    case "$1" in
    postgres | redis | neo4j | all) ;;
    *) echo "unknown service '$1'" >&2 && usage ;;
    esac
}

main() {
    local cmd="${1:-}" svc="${2:-all}"
    case "$cmd" in
    start)
        check_service "$svc"
        case "$svc" in
        all)
            # Neo4j is the slowest: spawn it first, start the others while it boots.
            neo4j_launch
            start_postgres
            start_redis
            neo4j_wait
            ;;
        *) "start_$svc" ;;
        esac
        ;;
    stop)
        check_service "$svc"
        if [ "$svc" = all ]; then
            stop_neo4j
            stop_redis
            stop_postgres
        else
            "stop_$svc"
        fi
        ;;
    status)
        local rc=0
        status_postgres || rc=1
        status_redis || rc=1
        status_neo4j || rc=1
        return "$rc"
        ;;
    env) print_env ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
