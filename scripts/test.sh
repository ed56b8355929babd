#!/usr/bin/env bash
# Every test: unit and integration (real Kafka, registry, DuckDB, Prometheus), then the browser
# tests (real Chromium). The vitest global setup starts the local stack and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run "$@"
if [ -f web/vitest.browser.config.ts ] && [ $# -eq 0 ]; then
  npx vitest run -c web/vitest.browser.config.ts
fi
