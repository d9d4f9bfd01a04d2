# Settings of the real-node cluster, sourced by hack/cluster/*.sh. One cluster per machine:
# its network namespace, cgroups and addresses are fixed names, all overridable.
# shellcheck shell=bash
cache=${MERCADO_CACHE:-$HOME/.cache/mercado}
tools_bin=${MERCADO_TOOLS_BIN:-$cache/bin}
state=${MERCADO_NODE_DIR:-/var/lib/mercado-node}  # everything the cluster writes; removed by down
node_name=${MERCADO_NODE_NAME:-mercado-node}      # the Node, its netns, its cgroup and kube context
netns=$node_name
cgroup=$node_name                                 # /sys/fs/cgroup/<controller>/$cgroup
host_if=mcd-host                                  # the host's end of the link into the netns
host_ip=${MERCADO_NODE_HOST_IP:-10.213.0.1}       # host side of that link, a /30
node_ip=${MERCADO_NODE_IP:-10.213.0.2}            # the node: API server, kubelet, NodePorts
pod_cidr=${MERCADO_POD_CIDR:-10.213.1.0/24}       # one bridge, host-local addresses
pod_gateway=${pod_cidr%.*/*}.1
service_cidr=${MERCADO_SERVICE_CIDR:-10.213.16.0/20}
kubernetes_service_ip=${service_cidr%.*/*}.1      # the `kubernetes` Service
dns_service_ip=${service_cidr%.*/*}.10            # CoreDNS
cluster_domain=cluster.local
kubeconfig=$state/kubeconfig                      # admin, for kubectl/helm on the host
context=$node_name
# the cgroup v1 controllers mounted here; kubelet's cgroupRoot must exist in each
cgroup_controllers=(blkio cpu cpuacct cpuset devices freezer memory pids systemd)

containerd_sock=$state/containerd/containerd.sock
components=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
