#!/usr/bin/env bash
# The cluster's credentials, made once per cluster under $state/pki: a CA, the API
# server's serving certificate (for the node IP and the `kubernetes` Service), its client
# certificate towards the kubelet, the service-account signing key, and one static token
# per component (token auth keeps the kubeconfigs short; RBAC's bootstrap roles name
# these users).
#   hack/cluster/pki.sh      (called by up.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=config.sh
source "$here/config.sh"
pki=$state/pki
mkdir -p "$pki"
cd "$pki"
[ -f tokens.csv ] && exit 0

openssl_quiet() { openssl "$@" 2>/dev/null; }

openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
  -subj "/CN=$node_name-ca"

# sign NAME SUBJECT [SANS]: a key and a certificate signed by the CA
sign() {
  local name=$1 subject=$2 sans=${3:-}
  openssl_quiet req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=digitalSignature,keyEncipherment"
    if [ -n "$sans" ]; then
      echo "extendedKeyUsage=serverAuth"
      echo "subjectAltName=$sans"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$name.ext"
  openssl_quiet x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "$name.crt" -days 30 -extfile "$name.ext"
  rm -f "$name.csr" "$name.ext"
}

sign apiserver "/CN=kube-apiserver" \
  "IP:$node_ip,IP:$kubernetes_service_ip,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$cluster_domain"
# what the API server shows the kubelet for logs, exec and port-forward
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
openssl_quiet genrsa -out service-account.key 2048
openssl_quiet rsa -in service-account.key -pubout -out service-account.pub

token() { openssl rand -hex 16; }
# user, uid, groups: the names RBAC's bootstrap policy and the Node authorizer expect
{
  echo "$(token),admin,admin,\"system:masters\""
  echo "$(token),system:node:$node_name,kubelet,\"system:nodes\""
  echo "$(token),system:kube-controller-manager,kube-controller-manager"
  echo "$(token),system:kube-scheduler,kube-scheduler"
  echo "$(token),system:kube-proxy,kube-proxy"
} >tokens.csv.new
chmod 600 ./*.key tokens.csv.new
mv tokens.csv.new tokens.csv
