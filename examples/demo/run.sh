#!/usr/bin/env bash
# The two-host demo that introduced Calico, on one machine: hosts alpha (172.17.8.101) and
# beta (172.17.8.102) are network namespaces on one bridge, each running `vroute node
# --dataplane` against one etcd; six workloads in three profiles; then the ping matrix.
# Everything lives inside namespaces this script makes: the machine's own interfaces, routes
# and nftables are never touched. See README.md next to this file.
#
#   sudo examples/demo/run.sh           set up, print the ping matrix, clean up
#   sudo examples/demo/run.sh up        set up and leave it running (state in $VROUTE_DEMO_STATE)
#   sudo examples/demo/run.sh matrix    print the ping matrix of a running demo
#   sudo examples/demo/run.sh agent alpha|beta   (re)start that host's node agent
#   sudo examples/demo/run.sh down      stop the agents and etcd, delete every namespace
#
# Environment: VROUTE_DEMO_TAG (default none): prefix every namespace name with "vd<TAG>-",
# so runs side by side never collide (the test sets its PID); VROUTE_DEMO_STATE: the state
# directory (default /run/vroute-demo<TAG>); NODE: the node binary (default: node in PATH).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE_BIN="${NODE:-$(command -v node || true)}"
VROUTE=("$NODE_BIN" "$ROOT/bin/vroute")
TAG="${VROUTE_DEMO_TAG:-}"
P="${TAG:+vd${TAG}-}"
STATE="${VROUTE_DEMO_STATE:-/run/vroute-demo${TAG}}"
LAN="${P}lan" ALPHA="${P}alpha" BETA="${P}beta"
DS="etcd://172.17.8.1:2379"
WORKLOADS=(A B C D E F)
declare -A HOST=([A]=alpha [B]=alpha [C]=alpha [D]=beta [E]=beta [F]=alpha)
declare -A ADDR=([A]=192.168.1.1 [B]=192.168.1.2 [C]=192.168.1.3 [D]=192.168.1.4 [E]=192.168.1.5 [F]=auto)
declare -A PROFILE=([A]=PROF_A_C_E [B]=PROF_B [C]=PROF_A_C_E [D]=PROF_D [E]=PROF_A_C_E [F]=PROF_A_C_E)

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }
ns_of() { case "$1" in alpha) echo "$ALPHA" ;; beta) echo "$BETA" ;; *) die "no host $1" ;; esac; }
wl() { echo "${P}workload-$1"; }
# vroute inside a namespace (etcd is reachable from the hosts' namespaces).
vr() { local ns="$1"; shift; ip netns exec "$ns" "${VROUTE[@]}" "$@" --datastore "$DS"; }

preflight() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, nftables): sudo $0"
  for t in ip nft etcd ping; do command -v "$t" >/dev/null || die "$t is not installed"; done
  [ -n "$NODE_BIN" ] || die "node (Node.js 20) is not in PATH; set NODE=/path/to/node"
  [ -f "$ROOT/dist/src/cli/main.js" ] || die "not built: run npm ci && npm run build in $ROOT first"
  for ns in "$LAN" "$ALPHA" "$BETA"; do
    ! ip netns list | awk '{print $1}' | grep -qxF "$ns" || die "namespace $ns exists already (another demo? run: $0 down)"
  done
}

# A host namespace: its end of a veth on the bridge, its address, a default route.
make_host() {
  local ns="$1" addr="$2" port="$3"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add eth0 netns "$ns" type veth peer name "$port" netns "$LAN"
  ip -n "$LAN" link set "$port" master br0 up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via 172.17.8.1
}

start_agent() {
  local host="$1" ns ip
  ns="$(ns_of "$host")"
  ip="$([ "$host" = alpha ] && echo 172.17.8.101 || echo 172.17.8.102)"
  # `ip netns exec` execs in place: $! is the agent's own PID (stopped by PID, never by name).
  ip netns exec "$ns" "${VROUTE[@]}" node --name "$host" --ip "$ip" --datastore "$DS" --dataplane --log info \
    >>"$STATE/$host.log" 2>&1 &
  echo $! >"$STATE/$host.pid"
}

stop_pid() {
  local f="$1" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# Waits (bounded) until `cmd...` succeeds.
wait_for() {
  local what="$1" tries="$2"; shift 2
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "timed out waiting for $what"
}

pings() { ip netns exec "$(wl "$1")" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }

up() {
  preflight
  mkdir -p "$STATE"
  say "== hosts: $ALPHA (172.17.8.101) and $BETA (172.17.8.102) on bridge br0 in $LAN"
  ip netns add "$LAN"
  ip -n "$LAN" link set lo up
  ip -n "$LAN" link add br0 type bridge forward_delay 0 stp_state 0
  ip -n "$LAN" addr add 172.17.8.1/24 dev br0
  ip -n "$LAN" link set br0 up
  make_host "$ALPHA" 172.17.8.101 pa
  make_host "$BETA" 172.17.8.102 pb

  say "== etcd on 172.17.8.1:2379 (inside $LAN)"
  ip netns exec "$LAN" etcd --name demo --data-dir "$STATE/etcd" \
    --listen-client-urls http://172.17.8.1:2379 --advertise-client-urls http://172.17.8.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster demo=http://127.0.0.1:2380 --log-level error --logger zap >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"
  wait_for etcd 40 vr "$ALPHA" get IPPool

  say "== IPPool 192.168.1.0/24 (blocks of /26; its first and last addresses are never handed out)"
  printf 'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: demo}\nspec: {cidr: 192.168.1.0/24}\n' \
    | vr "$ALPHA" apply -f - >/dev/null

  say "== vroute node --dataplane on alpha and beta"
  start_agent alpha
  start_agent beta

  say "== profiles PROF_A_C_E, PROF_B, PROF_D"
  for p in PROF_A_C_E PROF_B PROF_D; do vr "$ALPHA" profile add "$p" >/dev/null; done

  say "== workloads A B C on alpha, D E on beta, each appended to its profile"
  for w in "${WORKLOADS[@]}"; do
    local ns id
    ns="$(ns_of "${HOST[$w]}")"
    id="$(vr "$ns" workload add "$(wl "$w")" --ip "${ADDR[$w]}" --node "${HOST[$w]}")"
    echo "$id" >"$STATE/workload-$w.id"
    vr "$ns" endpoint "$id" profile append "${PROFILE[$w]}" >/dev/null
    ADDR[$w]="$(ip -n "$(wl "$w")" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)"
    echo "${ADDR[$w]}" >"$STATE/workload-$w.ip"
    say "   workload-$w  ${ADDR[$w]}  on ${HOST[$w]}  ${PROFILE[$w]}  endpoint $id"
  done

  say "== waiting for BGP and the dataplanes (A reaches C on alpha and E on beta)"
  wait_for "workload-A to reach workload-C" 60 pings A 192.168.1.3
  wait_for "workload-A to reach workload-E" 60 pings A 192.168.1.5
}

load_addrs() {
  for w in "${WORKLOADS[@]}"; do
    [ -f "$STATE/workload-$w.ip" ] || die "no running demo in $STATE (run: $0 up)"
    ADDR[$w]="$(cat "$STATE/workload-$w.ip")"
  done
}

# The ping matrix: one ping (1 s timeout) per pair, all at once.
matrix() {
  load_addrs
  local tmp pids=()
  tmp="$(mktemp -d)"
  for s in "${WORKLOADS[@]}"; do
    for d in "${WORKLOADS[@]}"; do
      [ "$s" = "$d" ] && continue
      ( if pings "$s" "${ADDR[$d]}"; then echo ok; else echo no; fi >"$tmp/$s$d" ) &
      pids+=($!)
    done
  done
  # Only the pings: the agents and etcd started by `up` are children of this shell too.
  wait "${pids[@]}"
  printf '%-12s' 'from \ to'
  for d in "${WORKLOADS[@]}"; do printf '%-6s' "$d"; done
  printf '\n'
  for s in "${WORKLOADS[@]}"; do
    printf '%-12s' "$s ${ADDR[$s]##*.}"
    for d in "${WORKLOADS[@]}"; do
      if [ "$s" = "$d" ]; then printf '%-6s' '-'; else printf '%-6s' "$(cat "$tmp/$s$d")"; fi
    done
    printf '\n'
  done
  rm -rf "$tmp"
}

down() {
  stop_pid "$STATE/alpha.pid"
  stop_pid "$STATE/beta.pid"
  stop_pid "$STATE/etcd.pid"
  for w in "${WORKLOADS[@]}"; do ip netns del "$(wl "$w")" 2>/dev/null || true; done
  for ns in "$ALPHA" "$BETA" "$LAN"; do ip netns del "$ns" 2>/dev/null || true; done
  # Only what this script made: its own state directory.
  [ -d "$STATE" ] && rm -rf "$STATE"
  return 0
}

case "${1:-all}" in
  up) up ;;
  matrix) matrix ;;
  agent) [ -n "${2:-}" ] || die "usage: $0 agent alpha|beta"; stop_pid "$STATE/$2.pid"; start_agent "$2" ;;
  down) down ;;
  all)
    trap down EXIT
    up
    say "== the ping matrix (ok: the ping from the row's workload to the column's was answered)"
    matrix
    ;;
  *) die "usage: $0 [up|matrix|agent alpha|beta|down]" ;;
esac
