#!/usr/bin/env bash
# Design target (section 8): the daemon idles at no more than 1.5x the memory of an idle
# bare Node process and uses no CPU between jobs. Starts `run` on a sandbox (daily
# schedule: only the start-up check runs), lets it settle, then measures RSS and the CPU
# time it uses over IDLE_SECONDS (default 65: two of the loop's 30-second wake-ups).
# Usage: bench/daemon-idle.sh   (after npm ci)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
IDLE=${IDLE_SECONDS:-65}
work=$(mktemp -d)
trap 'kill "$agent" "$bare" 2>/dev/null || true; rm -rf "$work"' EXIT

node "$REPO/bin/pbx-activation-agent.js" sandbox init "$work/sb" >/dev/null
node -e '
  const f = process.argv[1]; const c = require(f);
  c.schedule = { check: "0 3 * * *" };
  require("fs").writeFileSync(f, JSON.stringify(c));' "$work/sb/agent.json"
# The sandbox was just checked once, so no start-up check is due: the daemon goes idle at once.
node "$REPO/bin/pbx-activation-agent.js" run --config "$work/sb/agent.json" > "$work/run.log" &
agent=$!
node -e 'setInterval(() => {}, 1 << 30)' &
bare=$!
sleep 5

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
before=$(cpu "$agent")
sleep "$IDLE"
after=$(cpu "$agent")
agent_rss=$(rss "$agent")
bare_rss=$(rss "$bare")
ticks=$(getconf CLK_TCK)
echo "idle RSS: agent ${agent_rss} kB, bare node ${bare_rss} kB, ratio $(awk -v a="$agent_rss" -v b="$bare_rss" 'BEGIN { printf "%.2f", a / b }') (target <= 1.5)"
echo "CPU while idle for ${IDLE}s: $(awk -v t=$((after - before)) -v h="$ticks" 'BEGIN { printf "%.0f ms", t * 1000 / h }')"
