#!/usr/bin/env bash
# `make cluster-down`: end every process of the node (its daemons and every container,
# found by the node's pids cgroup, never by name), then remove its network namespace (the
# veth link, the bridge and the iptables rules go with it), its cgroups and its state.
# The node's mounts lived in its own mount namespace and are gone with its last process.
#   hack/cluster/down.sh [--keep-logs]   --keep-logs: leave $state/logs for a post-mortem
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=config.sh
source "$here/config.sh"
keep_logs=false
[ "${1:-}" = --keep-logs ] && keep_logs=true
[ "$(id -u)" -eq 0 ] || { echo "cluster-down: needs root" >&2; exit 1; }

# the pids of the node: its daemons and every container, in the node's cgroups
node_pids() {
  find "/sys/fs/cgroup/pids/$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null || true
}

# signal SIG PID...: send SIG to each pid that still exists
signal() {
  local sig=$1 pid; shift
  for pid in "$@"; do kill "-$sig" "$pid" 2>/dev/null || true; done
}

if [ -d "/sys/fs/cgroup/pids/$cgroup" ]; then
  # the kubelet and kube-proxy first, so nothing restarts what is being stopped
  for name in kubelet kube-proxy kube-controller-manager kube-scheduler kube-apiserver etcd containerd; do
    [ -f "$state/pids/$name.pid" ] && signal TERM "$(cat "$state/pids/$name.pid")"
  done
  deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ]; do
    pids=$(find "/sys/fs/cgroup/pids/$cgroup/system" -name cgroup.procs -exec cat {} + 2>/dev/null)
    holder=$(cat "$state/pids/holder.pid" 2>/dev/null || true)
    [ -z "$(grep -vx "${holder:-none}" <<<"$pids" || true)" ] && break
    sleep 0.2
  done
  # whatever is left, containers included, is killed; the freezer would not hold them
  # all on cgroup v1 (the daemons sit outside it), so repeat until the cgroup is empty
  for _ in $(seq 50); do
    pids=$(node_pids)
    [ -z "$pids" ] && break
    # shellcheck disable=SC2086
    signal KILL $pids
    sleep 0.1
  done
  [ -z "$(node_pids)" ] || { echo "cluster-down: processes left: $(node_pids | tr '\n' ' ')" >&2; exit 1; }
fi

if ip netns list 2>/dev/null | grep -qw "^$netns"; then
  ip netns delete "$netns"
fi
ip link delete "$host_if" 2>/dev/null || true
# /run/netns itself, if no namespace is left in it (iproute2 made it a mount point)
if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ] && mountpoint -q /run/netns; then
  umount /run/netns && rmdir /run/netns
fi

# every hierarchy, the cgroup v2 one ("unified") included: the kubelet makes its tree there too
for dir in /sys/fs/cgroup/*/"$cgroup"; do
  [ -d "$dir" ] || continue
  find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  [ -d "$dir" ] && { echo "cluster-down: could not remove cgroup $dir" >&2; exit 1; }
done

if [ -f "$state/created-var-lib-cni" ]; then rmdir /var/lib/cni 2>/dev/null || true; fi
if grep -q " $state" /proc/mounts; then
  echo "cluster-down: still mounted: $(grep " $state" /proc/mounts | awk '{print $2}')" >&2
  exit 1
fi
if $keep_logs && [ -d "$state/logs" ]; then
  find "$state" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
else
  rm -rf "$state"
fi
echo "cluster-down: nothing of $node_name is left" >&2
