#!/usr/bin/env bash
# Sets everything up and runs the shop demo: the shop generator feeds a filtered order
# stream (and more) into DuckDB tables, the dbt-style models in examples/shop/models build
# staging views and marts on them (with their schema tests), then the demo queries them.
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
say "sluice build examples/shop   (staging views, marts, schema tests)"
"$SLUICE" build "$PROJECT"
say "sluice query examples/shop \"<live revenue by channel: a continuous GROUP BY>\""
"$SLUICE" query "$PROJECT" "SELECT * FROM revenue_by_channel ORDER BY revenue DESC"
say "sluice query examples/shop \"<live best sellers: a top-N over a continuous GROUP BY>\""
"$SLUICE" query "$PROJECT" "SELECT * FROM best_sellers_live ORDER BY rn"
say "sluice query examples/shop \"<daily revenue by channel>\""
"$SLUICE" query "$PROJECT" "SELECT * FROM daily_revenue ORDER BY order_date, revenue DESC"
say "sluice query examples/shop \"<top products>\""
"$SLUICE" query "$PROJECT" "SELECT revenue_rank, product_id, name, category, units, revenue FROM top_products ORDER BY revenue_rank LIMIT 5"
say "sluice query examples/shop \"<best customers>\""
"$SLUICE" query "$PROJECT" "SELECT customer_id, segment, country, orders, lifetime_value FROM customer_lifetime_value ORDER BY lifetime_value DESC LIMIT 5"
cat <<MSG

Try more:
  $SLUICE query examples/shop "SELECT * FROM large_orders ORDER BY total DESC LIMIT 10"
  $SLUICE lineage examples/shop          (sources -> streams -> models -> tests)
  $SLUICE test examples/shop             (the schema tests alone)
  $SLUICE run examples/shop --for 30s --metrics-addr 127.0.0.1:9464   (then curl 127.0.0.1:9464/metrics)
  $SLUICE --help
MSG
