#!/usr/bin/env bash
# The node's storage, as kind's `standard` class gives it: a default StorageClass and a few
# hostPath volumes under $state/volumes for it (no provisioner runs; the StatefulSets'
# claims bind to these). Their directories are world-writable: a hostPath volume takes no
# fsGroup, and each server runs as its own uid.
#   hack/cluster/volumes.sh KUBECTL KUBECONFIG   (called by up.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=config.sh
source "$here/config.sh"
kubectl=("$1" --kubeconfig "$2")
count=8 size=5Gi

{
  cat <<EOF2
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF2
  for i in $(seq "$count"); do
    mkdir -p "$state/volumes/pv-$i"
    chmod 1777 "$state/volumes/pv-$i"
    cat <<EOF2
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $node_name-pv-$i}
spec:
  storageClassName: standard
  capacity: {storage: $size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $state/volumes/pv-$i, type: Directory}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: [$node_name]}
EOF2
  done
} | "${kubectl[@]}" apply -f - >/dev/null
