#!/usr/bin/env bash
# Screenshots of the preview page in headless Chromium (not committed; written to $OUT).
# Usage: tests/ui/shoot.sh [state ...]   env: OUT=/tmp/ui-shots PORT=8765 SIZES="800,600 1280,800" THEMES="light dark"
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/ui-shots}; PORT=${PORT:-8765}
SIZES=${SIZES:-"800,600 1280,800"}; THEMES=${THEMES:-"light dark"}
STATES=${*:-"connect policy"}
EXTRA=${EXTRA:-}
mkdir -p "$OUT"
if ! curl -s -o /dev/null "http://127.0.0.1:$PORT/tests/ui/preview.html"; then
  python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1 &
  SERVER=$!
  trap 'kill $SERVER' EXIT
  sleep 0.7
fi
for state in $STATES; do
  for size in $SIZES; do
    for theme in $THEMES; do
      flags=()
      [ "$theme" = dark ] && flags+=(--force-dark-mode --blink-settings=preferredColorScheme=0)
      [ "$theme" = light ] && flags+=(--blink-settings=preferredColorScheme=1)
      f="$OUT/${state}-${size/,/x}-${theme}.png"
      chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$(mktemp -d)" --window-size="$size" \
        --virtual-time-budget="${BUDGET:-6000}" "${flags[@]}" --screenshot="$f" \
        "http://127.0.0.1:$PORT/tests/ui/preview.html?state=$state$EXTRA" >/dev/null 2>&1 || echo "failed: $f"
      echo "$f"
    done
  done
done
