#!/usr/bin/env bash
# Install what the tests and local mode need from Debian on a fresh machine: the
# PostgreSQL and RabbitMQ servers, nginx and curl (the tests start private instances
# themselves). The system services are not started: nothing listens on the default ports.
# uv comes from hack/install-uv.sh, the Go-built tools from hack/tools.sh.
set -euo pipefail

need=()
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v curl >/dev/null || need+=(curl)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]} ..." >&2
  # policy-rc.d stops the packages from starting their system-wide services
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  $sudo rm -f /usr/sbin/policy-rc.d
fi
echo "test dependencies present: postgres $(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | tail -1), rabbitmq $(dpkg-query -W -f='${Version}' rabbitmq-server), $(nginx -v 2>&1 | sed 's|.*: ||')" >&2
