#!/usr/bin/env bash
# The test command: installs the system packages the tests start for real (curl and jq for the
# README walkthrough, redis-server for the shared-state tests, chromium and chromedriver for the
# browser tests) when they are missing, then runs every test of the workspace.
# Tests never skip a missing component; they fail. This script is what makes a fresh machine pass.
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v curl >/dev/null || need="$need curl"
command -v jq >/dev/null || need="$need jq"
command -v redis-server >/dev/null || need="$need redis-server"
command -v chromium >/dev/null || need="$need chromium"
command -v chromedriver >/dev/null || need="$need chromium-driver"
if [ -n "$need" ]; then
  echo "== installing:$need"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # word splitting is the point: one package per word
  $SUDO apt-get install -y -qq --no-install-recommends $need
fi

exec cargo test --workspace --all-features "$@"
