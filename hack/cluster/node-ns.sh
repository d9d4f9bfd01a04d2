#!/bin/sh
# The first process of the node's mount namespace (started by up.sh inside the node's
# network namespace): what containerd and the kubelet mount in here, and the pods' network
# namespace handles, never reach the host's mount table, and vanish when the last process
# of the node ends. It then holds the namespaces until down.sh ends it.
set -eu
state=$1
echo $$ >"$state/pids/holder.pid"
mount -t tmpfs -o mode=0755 mercado-node-netns /run/netns
mount --bind "$state/var-lib-cni" /var/lib/cni   # libcni's result cache (fixed path)
mount --bind "$state/var-log" /var/log            # the kubelet's /var/log/pods, /var/log/containers
ip link set lo up
exec sleep infinity
