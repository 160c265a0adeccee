#!/usr/bin/env bash
# scripts/package-vscode.sh — builds the VS Code extension of editors/vscode/
# into a .vsix with @vscode/vsce, the npm tool VS Code's own extensions are
# packaged with. Installs the extension's npm packages first, from the
# versions pinned in package-lock.json (`npm ci`), and only when that file
# changed since the last install (node_modules/ is never committed).
#
#   scripts/package-vscode.sh [OUT.vsix]     default: editors/vscode/flow-lang.vsix
#   scripts/package-vscode.sh --deps-only    install the npm packages and stop
#
# Then: `code --install-extension OUT.vsix`. Needs Node.js and npm
# (scripts/setup.sh installs them) and the npm registry.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXT="$ROOT/editors/vscode"
OUT="$EXT/flow-lang.vsix"
DEPS_ONLY=0
case "${1:-}" in
  --deps-only) DEPS_ONLY=1 ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) OUT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
esac

command -v npm >/dev/null || { echo "package-vscode: npm not found (scripts/setup.sh installs it)" >&2; exit 1; }

# npm ci wipes node_modules: run it only when the lock file changed.
STAMP="$EXT/node_modules/.flow-lock-sha256"
WANT=$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "package-vscode: installing the extension's npm packages (npm ci)"
  (cd "$EXT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$WANT" >"$STAMP"
fi
[ "$DEPS_ONLY" -eq 1 ] && exit 0

cd "$EXT"
./node_modules/.bin/vsce package --skip-license --allow-missing-repository --out "$OUT" >/dev/null
echo "package-vscode: wrote $OUT"
