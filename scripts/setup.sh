#!/usr/bin/env bash
# Installs everything the project needs, idempotently: Debian packages, npm packages, the
# Kafka jars from Maven Central, and the console build. Safe to run any number of times;
# a second run on a ready machine takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libxgboost0 prometheus chromium kcat python3-confluent-kafka python3-avro python3-requests openjdk-17-jre-headless maven)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

# Kafka jars (pinned in infra/src/kafka-runtime.ts), fetched once from Maven Central.
KAFKA_VERSION=$(sed -n "s/^export const KAFKA_VERSION = '\(.*\)';/\1/p" infra/src/kafka-runtime.ts)
if [ ! -f "infra/kafka/lib/kafka_2.13-${KAFKA_VERSION}.jar" ]; then
  echo "[setup] fetching Apache Kafka ${KAFKA_VERSION} from Maven Central"
  rm -rf infra/kafka/lib
  sed "s/KAFKA_VERSION/${KAFKA_VERSION}/" infra/kafka/pom.xml > infra/kafka/.pom.resolved.xml
  mvn -q -B -f infra/kafka/.pom.resolved.xml dependency:copy-dependencies -DoutputDirectory="$PWD/infra/kafka/lib"
  rm -f infra/kafka/.pom.resolved.xml
fi

# The console (SvelteKit, adapter-node): rebuilt when its sources changed, or those of the
# workspace packages its server build bundles (web -> common, kafka, schemas, sinks, retrainer -> model).
if [ -f web/svelte.config.js ]; then
  stamp=web/build/.stamp
  if [ ! -f "$stamp" ] || [ -n "$(find web/src web/package.json web/svelte.config.js web/vite.config.ts common/src kafka/src schemas/src schemas/avro sinks/src retrainer/src model/src -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "[setup] building the console"
    npm run build -w @fraud/web --silent
    touch "$stamp"
  fi
fi
