#!/usr/bin/env bash
# The chaos suite in its long mode: 20 SIGKILL rounds, 30 s fault phases,
# under the same mixed load as make chaos (internal/chaos). Prints the
# summary table (load held, faults injected, acknowledged, delivered,
# lost, duplicates, max RSS); CHAOS_REPORT=file keeps a copy;
# CHAOS_RECEIVER_OUTAGE=200s lengthens the receiver-down outage.
# Usage: bench/chaos.sh [go test -run pattern, e.g. TestChaos/sigkill; default all]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CHAOS_MODE=long go test -tags chaos -count=1 -timeout 90m -v -run "${1:-.}" ./internal/chaos
