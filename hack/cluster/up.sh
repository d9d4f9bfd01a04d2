#!/usr/bin/env bash
# `make cluster-up`: a single-node Kubernetes on this machine, with no container or VM
# around it: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy (built by hack/tools.sh from pinned Go modules), containerd + runc + the CNI
# bridge from Debian, CoreDNS as a pod. Everything runs in the network namespace
# $netns (its own loopback, bridge and iptables rules: the host's are never touched),
# reached from the host through one veth link ($host_ip <-> $node_ip). Writes the admin
# kubeconfig to $kubeconfig (context $context). Needs root. `make cluster-down` undoes it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=config.sh
source "$here/config.sh"

step() { printf '==> %s (%ss)\n' "$*" "$SECONDS" >&2; }
die() { echo "cluster-up: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, mounts, cgroups)"
if [ -f "$state/pids/holder.pid" ] && kill -0 "$(cat "$state/pids/holder.pid")" 2>/dev/null; then
  die "a cluster is already running from $state (make cluster-down first)"
fi
for binary in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  [ -x "$tools_bin/$binary" ] || die "$tools_bin/$binary is missing: run make tools"
done
for binary in containerd containerd-shim-runc-v2 runc ctr iptables-restore; do
  command -v "$binary" >/dev/null || die "$binary is missing: run hack/cluster/install-deps.sh"
done
[ -x /usr/lib/cni/bridge ] || die "/usr/lib/cni/bridge is missing: run hack/cluster/install-deps.sh"

# what a cluster whose processes were ended (a reboot, a killed session) left behind
if [ -d "$state" ] || ip netns list | grep -qw "^$netns" || [ -d "/sys/fs/cgroup/pids/$cgroup" ]; then
  step "removing what a stopped cluster left"
  "$here/down.sh"
fi

# A half-made cluster from a failed start is taken down whole, its logs kept and shown.
up=false
on_exit() {
  $up && return
  echo "cluster-up failed; the end of each log (all kept in $state/logs):" >&2
  for log in "$state"/logs/*.log; do
    [ -s "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
  done
  "$here/down.sh" --keep-logs >&2 || true
}
trap on_exit EXIT

rm -rf "$state"
mkdir -p "$state"/{pids,logs,etcd,kubelet,var-lib-cni,var-log,cni/net.d,cni/ipam,containerd}
"$here/pki.sh"
pki=$state/pki

step "network namespace $netns ($node_ip, pods $pod_cidr, services $service_cidr)"
ip netns add "$netns"
ip link add "$host_if" type veth peer name eth0 netns "$netns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
ip -n "$netns" addr add "$node_ip/30" dev eth0
ip -n "$netns" link set eth0 up
ip -n "$netns" route add default via "$host_ip"
ip netns exec "$netns" sysctl -qw net.ipv4.ip_forward=1

step "cgroups /$cgroup"
for controller in "${cgroup_controllers[@]}"; do
  mkdir -p "/sys/fs/cgroup/$controller/$cgroup"
done
# a new cpuset starts with no CPUs or memory nodes
cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$cgroup/cpuset.cpus"
cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$cgroup/cpuset.mems"
# the node's own processes, kept apart in the pids controller so down.sh finds every one
mkdir -p "/sys/fs/cgroup/pids/$cgroup/system"
if [ ! -d /var/lib/cni ]; then mkdir -p /var/lib/cni && touch "$state/created-var-lib-cni"; fi

# run NAME COMMAND...: start a component inside the node's namespaces, logging to
# $state/logs/NAME.log, its pid in $state/pids/NAME.pid
run() {
  local name=$1; shift
  setsid bash -c 'echo $$ >"$1"; echo $$ >"$2"; shift 2; exec "$@"' _ \
    "$state/pids/$name.pid" "/sys/fs/cgroup/pids/$cgroup/system/cgroup.procs" \
    nsenter --target "$(cat "$state/pids/holder.pid")" --mount --net -- "$@" \
    >>"$state/logs/$name.log" 2>&1 </dev/null &
}

# wait_for WHAT SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready after ${timeout}s; see $state/logs"
    sleep 0.5
  done
}
in_netns() { nsenter --net="/run/netns/$netns" -- "$@"; }

step "node namespaces"
setsid bash -c 'echo $$ >"$1"; exec nsenter --net="/run/netns/$2" -- unshare --mount --propagation slave -- "$3" "$4"' _ \
  "/sys/fs/cgroup/pids/$cgroup/system/cgroup.procs" "$netns" "$here/node-ns.sh" "$state" \
  >>"$state/logs/holder.log" 2>&1 </dev/null &
holder_ready() { grep -qs mercado-node-netns "/proc/$(cat "$state/pids/holder.pid")/mounts"; }
wait_for "the node's namespaces" 10 holder_ready

step "containerd"
cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$containerd_sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "mercado.local/pause:3.10"
  # the session may lack CAP_SYS_RESOURCE: never lower a process's oom_score_adj
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
cat >"$state/cni/net.d/10-$node_name.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$node_name",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$state/cni/ipam",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$pod_gateway"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
EOF
run containerd containerd --config "$state/containerd/config.toml"
wait_for containerd 30 ctr --address "$containerd_sock" version
"$here/images.sh" node

step "etcd"
run etcd "$tools_bin/etcd" --data-dir "$state/etcd" --name "$node_name" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "$node_name=http://127.0.0.1:2380" --unsafe-no-fsync --log-level warn
wait_for etcd 60 in_netns curl -fsS http://127.0.0.1:2379/health

step "kube-apiserver"
run kube-apiserver "$tools_bin/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 --bind-address 0.0.0.0 --advertise-address "$node_ip" \
  --secure-port 6443 --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-account-issuer "https://kubernetes.default.svc.$cluster_domain" \
  --service-account-key-file "$pki/service-account.pub" \
  --service-account-signing-key-file "$pki/service-account.key" \
  --service-cluster-ip-range "$service_cidr" --service-node-port-range 30000-32767 \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP,Hostname --profiling=false --v 0

# kubeconfig FILE USER: a kubeconfig with USER's token
kubeconfig_for() {
  local file=$1 user=$2 token
  token=$(awk -F, -v user="$user" '$2 == user {print $1}' "$pki/tokens.csv")
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $node_name
  cluster: {server: "https://$node_ip:6443", certificate-authority: "$pki/ca.crt"}
users:
- name: $user
  user: {token: "$token"}
contexts:
- name: $context
  context: {cluster: $node_name, user: "$user"}
current-context: $context
EOF
  chmod 600 "$file"
}
kubeconfig_for "$kubeconfig.new" admin
for user in controller-manager:system:kube-controller-manager scheduler:system:kube-scheduler \
  kubelet:system:node:$node_name kube-proxy:system:kube-proxy; do
  kubeconfig_for "$pki/${user%%:*}.kubeconfig" "${user#*:}"
done
kubectl=("$tools_bin/kubectl" --kubeconfig "$kubeconfig.new")
wait_for kube-apiserver 120 "${kubectl[@]}" get --raw /readyz

step "kube-controller-manager, kube-scheduler"
run kube-controller-manager "$tools_bin/kube-controller-manager" \
  --kubeconfig "$pki/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$pki/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$pki/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
  --service-cluster-ip-range "$service_cidr" --controllers '*,-nodeipam' --profiling=false --v 0
run kube-scheduler "$tools_bin/kube-scheduler" --kubeconfig "$pki/scheduler.kubeconfig" \
  --authentication-kubeconfig "$pki/scheduler.kubeconfig" \
  --authorization-kubeconfig "$pki/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false --v 0

step "kubelet"
: >"$state/resolv.conf"  # pods get only the cluster's DNS: there is nothing outside to resolve
cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup
failSwapOn: false
containerRuntimeEndpoint: unix://$containerd_sock
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
clusterDomain: $cluster_domain
clusterDNS: [$dns_service_ip]
resolvConf: $state/resolv.conf
# the disk is shared with everything else on the machine: evict only when nearly full
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF
run kubelet "$tools_bin/kubelet" --config "$state/kubelet/config.yaml" \
  --kubeconfig "$pki/kubelet.kubeconfig" --root-dir "$state/kubelet" \
  --cert-dir "$state/kubelet/pki" --node-ip "$node_ip" --hostname-override "$node_name" --v 0

step "kube-proxy"
cat >"$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $pki/kube-proxy.kubeconfig}
hostnameOverride: $node_name
mode: iptables
clusterCIDR: $pod_cidr
nodePortAddresses: [$node_ip/32]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# conntrack's limits are the host's (only its initial namespace may set them)
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
run kube-proxy "$tools_bin/kube-proxy" --config "$state/kube-proxy.yaml" --v 0

wait_for "node $node_name Ready" 120 "${kubectl[@]}" wait --for=condition=Ready "node/$node_name" --timeout 2s

step "CoreDNS and the default StorageClass"
sed -e "s|@DNS_SERVICE_IP@|$dns_service_ip|g" -e "s|@CLUSTER_DOMAIN@|$cluster_domain|g" \
  "$here/addons/coredns.yaml" | "${kubectl[@]}" apply -f - >/dev/null
"$here/volumes.sh" "$tools_bin/kubectl" "$kubeconfig.new"
"${kubectl[@]}" -n kube-system rollout status deployment/coredns --timeout 120s >/dev/null
mv "$kubeconfig.new" "$kubeconfig"
up=true

cat >&2 <<DONE

The node $node_name is up in ${SECONDS}s (state and logs in $state).
  export KUBECONFIG=$kubeconfig     # context $context
  make cluster-images              # build and import Mercado's images
  make cluster-install             # the charts, as make up installs them on kind
  gateway  http://$node_ip:30080   (the NodePort, from this machine)
  remove   make cluster-down
DONE
