#!/usr/bin/env bash
# Install the Debian packages Lineage Portal needs for local dev and CI (Debian 12):
#   PostgreSQL (+contrib for pg_stat_statements), Redis, Java 17 + Maven (Neo4j launcher),
#   Chromium (browser tests), poppler-utils (PDF checks), fonts and the libraries
#   WeasyPrint needs (Pango, HarfBuzz subset).
# Only packages that are not installed yet are installed; `apt-get update` runs first
# (once) when something is missing. Needs root (or sudo).
#
# usage: scripts/install-system-deps.sh [EXTRA_PACKAGE...]
set -euo pipefail

PACKAGES=(
    postgresql postgresql-contrib              # server 15 on Debian 12, pg_stat_statements
    redis-server redis-tools                   # redis-server + redis-cli
    openjdk-17-jdk-headless maven              # builds/runs tools/neo4j-server
    chromium                                   # headless browser tests
    poppler-utils                              # pdftotext / pdftoppm
    fonts-dejavu-core                          # a default font for PDFs/screenshots
    fonts-noto-color-emoji                     # glyphs such as the lock on masked edges
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint runtime libs
    "$@"
)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-system-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-system-deps: installing ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
    installed "$pkg" || { echo "install-system-deps: $pkg did not install" >&2; exit 1; }
done
echo "install-system-deps: done"
