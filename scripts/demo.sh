#!/usr/bin/env bash
# Sets everything up and runs the shop demo: the shop generator feeds a filtered order
# stream (and more) into DuckDB tables, then shows where the data landed and queries it.
#   SLUICE_DEMO_EVENTS=N scripts/demo.sh    how many generated events to process (default 20000)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENTS="${SLUICE_DEMO_EVENTS:-20000}"
"$ROOT/scripts/setup.sh"
SLUICE="$ROOT/build/src/cli/sluice"
PROJECT="$ROOT/examples/shop"

say() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
# The demo starts from an empty warehouse each time (until checkpoints arrive, a second run
# would append the same generated events again).
rm -rf "$PROJECT/.sluice"
say "sluice validate examples/shop"
"$SLUICE" validate "$PROJECT"
say "sluice run examples/shop --max-events $EVENTS"
"$SLUICE" run "$PROJECT" --max-events "$EVENTS"
say "sluice query examples/shop \"<revenue by channel>\""
"$SLUICE" query "$PROJECT" "SELECT channel, count(*) AS orders, sum(total) AS revenue, round(avg(total), 2) AS avg_order FROM orders GROUP BY channel ORDER BY revenue DESC"
say "sluice query examples/shop \"<top products>\""
"$SLUICE" query "$PROJECT" "SELECT product_id, sum(quantity) AS units, sum(quantity * unit_price) AS revenue FROM order_items GROUP BY product_id ORDER BY revenue DESC LIMIT 5"
cat <<MSG

Try more:
  $SLUICE query examples/shop "SELECT * FROM large_orders ORDER BY total DESC LIMIT 10"
  $SLUICE run examples/shop --for 30s --metrics-addr 127.0.0.1:9464   (then curl 127.0.0.1:9464/metrics)
  $SLUICE --help
MSG
