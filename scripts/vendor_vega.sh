#!/usr/bin/env bash
# Vendor the Vega, Vega-Lite and vega-embed browser builds into site/static/vendor/
# so the site's charts work offline (no CDN). Needs npm and network access to the
# npm registry; run from anywhere, then commit site/static/vendor/.
#
#   scripts/vendor_vega.sh            # latest vega@5, vega-lite@5, vega-embed@6
#   VEGA=5.30.0 VEGA_LITE=5.21.0 VEGA_EMBED=6.26.0 scripts/vendor_vega.sh
set -euo pipefail

VEGA="${VEGA:-5}"
VEGA_LITE="${VEGA_LITE:-5}"
VEGA_EMBED="${VEGA_EMBED:-6}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/site/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
cd "$WORK"
npm pack --silent "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" > packed.txt

{
  echo "# Vendored chart libraries (from the npm registry via scripts/vendor_vega.sh)"
  echo "# package version sha256(tarball) file"
} > "$DEST/VERSIONS"

while read -r tarball; do
  [ -n "$tarball" ] || continue
  dir="${tarball%.tgz}"
  mkdir -p "$dir"
  tar -xzf "$tarball" -C "$dir"
  pkg="$(node -p "require('./$dir/package/package.json').name")"
  ver="$(node -p "require('./$dir/package/package.json').version")"
  src="$dir/package/build/$pkg.min.js"
  [ -f "$src" ] || { echo "missing $src" >&2; exit 1; }
  cp "$src" "$DEST/$pkg.min.js"
  cp "$dir/package/LICENSE" "$DEST/$pkg.LICENSE" 2>/dev/null || true
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  echo "$pkg $ver $sum $pkg.min.js" >> "$DEST/VERSIONS"
done < packed.txt

cat "$DEST/VERSIONS"
