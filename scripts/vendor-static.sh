#!/usr/bin/env bash
# Reproduce static/vendor/ from the npm registry, pinned and integrity-checked.
#
# The vendored files are committed, so `make run` never needs npm; run this only to
# upgrade a library (change the pin and its integrity below, then commit the result).
#
#   bash scripts/vendor-static.sh          # fetch, verify, copy into static/vendor/
#   bash scripts/vendor-static.sh --check  # fetch, verify, and fail if static/vendor/ differs
set -euo pipefail

cd "$(dirname "$0")/.."
DEST=static/vendor
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1

# name@version  sha512 integrity (from `npm view NAME@VERSION dist.integrity`)
PINS=(
  "cytoscape@3.34.4 sha512-msY99tMY8iWTg+sIPGfSqDcPNOt4xcj+v/K/7qUFaCUxxlqnMkUYLBjRUzn9W5CU/R2hrmtJa5+UtovrEM2ctg=="
  "cytoscape-dagre@4.0.1 sha512-hyNdh8Vp1nwzBcjHnM4c71G81bFhPmQYLXD2HM9AZIvl+8TrMzWEOPW45hF/XOBQiEguPcDQzi6VrXR1XBcXOA=="
  "dagre@0.8.5 sha512-/aTqmnRta7x7MCCpExk7HQL2O4owCT2h8NT//9I1OQ9vt29Pa0BzSAkR5lwFUcQ7491yVi/3CXU9jQ5o0Mn2Sw=="
)

# package -> "file in the tarball:name under static/vendor" pairs. A source map named by a
# sourceMappingURL comment must come along: collectstatic's manifest storage fails without it.
declare -A FILES=(
  [cytoscape]="package/dist/cytoscape.min.js:cytoscape.min.js package/LICENSE:LICENSE.cytoscape"
  [cytoscape-dagre]="package/dist/cytoscape-dagre.min.js:cytoscape-dagre.min.js package/dist/cytoscape-dagre.min.js.map:cytoscape-dagre.min.js.map package/LICENSE:LICENSE.cytoscape-dagre"
  # Only dagre's licence: cytoscape-dagre.min.js bundles dagre's code, no page loads dagre itself.
  [dagre]="package/LICENSE:LICENSE.dagre"
)

command -v npm >/dev/null || { echo "npm is needed to re-vendor (apt-get install npm)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out"
mkdir -p "$out"

{
  echo "# Vendored from the npm registry by scripts/vendor-static.sh; do not edit by hand."
  echo "# package@version  integrity"
} >"$out/VERSIONS"

for pin in "${PINS[@]}"; do
  spec=${pin%% *}
  want=${pin#* }
  name=${spec%@*}
  tarball=$(cd "$work" && npm pack --silent "$spec" 2>/dev/null | tail -n1)
  got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [[ "$got" != "$want" ]]; then
    echo "integrity mismatch for $spec: expected $want, got $got" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
  for pair in ${FILES[$name]}; do
    cp "$work/$name/${pair%%:*}" "$out/${pair#*:}"
  done
  echo "$spec  $want" >>"$out/VERSIONS"
done

cat >>"$out/VERSIONS" <<'EOF'
# Pages load cytoscape.min.js and cytoscape-dagre.min.js. cytoscape-dagre 4.x bundles
# dagre's code, so only dagre's licence is vendored (LICENSE.dagre), not dagre.min.js.
EOF

if (( CHECK )); then
  diff -r "$out" "$DEST" && echo "static/vendor/ matches the pins"
  exit $?
fi
mkdir -p "$DEST"
cp "$out"/* "$DEST"/
echo "static/vendor/ updated:"
grep -v '^#' "$DEST/VERSIONS"
