#!/usr/bin/env bash
# Images for the real node, with no registry: built by buildah from locally made bases and
# imported into the node's containerd (pods use imagePullPolicy Never).
#   hack/cluster/images.sh node            the pause image and CoreDNS (up.sh calls this)
#   hack/cluster/images.sh mercado [TAG]   services/Dockerfile for each service and
#                                          operator/Dockerfile, as mercado/<name>:TAG (dev)
#   hack/cluster/images.sh infra           PostgreSQL, RabbitMQ, Mailpit and nginx from
#                                          Debian packages (hack/cluster/images/), standing
#                                          in for the dev-infra chart's public images
# The Python base is debootstrap's Debian bookworm with python3 (what python:3.11-slim-bookworm
# is), the uv image is /uv from the uv wheel; both are cached by a hash of what makes them,
# and buildah's layer cache lives under $cache/containers, so a second build of an unchanged
# tree only re-imports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=config.sh
source "$here/config.sh"

services=(users inventory orders payments notifications)
uv_version=0.13.9          # services/Dockerfile's UV_IMAGE
coredns_version=1.12.3     # hack/tools/coredns/go.mod
mailpit_version=1.33.1     # hack/tools/mailpit/go.mod
pause_version=3.10
images=$cache/images
mkdir -p "$images"
buildah=(buildah --root "$cache/containers/storage" --runroot "$cache/containers/run")

step() { printf '  - %s (%ss)\n' "$*" "$SECONDS" >&2; }
die() { echo "images: $*" >&2; exit 1; }
has_image() { "${buildah[@]}" inspect --type image "$1" >/dev/null 2>&1; }
key_of() { cat "$@" | sha256sum | cut -c1-12; }

# For the Python images' RUN steps only: the host's CA bundle and a uv.toml asking for it
# (uv reaches the package index through this machine's TLS proxy); nothing of them lands in
# an image. Debian's packages (ssl-cert) write /etc/ssl/certs, so the others go without.
uv_mounts=(-v /etc/ssl/certs:/etc/ssl/certs:ro -v "$here/images/uv:/etc/uv:ro")
mounts=()

# build NAME CONTEXT CONTAINERFILE [BUILD ARGS...]: buildah bud with the layer cache
build() {
  local name=$1 context=$2 file=$3; shift 3
  local args=() arg log
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  log=$images/build-${name//[\/:]/_}.log
  "${buildah[@]}" bud --quiet --layers --pull=never --network host --format oci "${mounts[@]}" \
    -f "$file" -t "$name" "${args[@]}" "$context" >"$log" 2>&1 \
    || { tail -30 "$log" >&2; die "building $name failed; see $log"; }
}

# import NAME...: into the node's containerd, under the name the pods ask for; an image this
# node already has (the same image id, recorded in $state/imported) is not sent again
import() {
  local name id stamp tmp
  tmp=$(mktemp -d)
  mkdir -p "$state/imported"
  for name in "$@"; do
    id=$("${buildah[@]}" images --no-trunc --format '{{.ID}}' "$name")
    stamp=$state/imported/${name//[\/:]/_}
    [ "$(cat "$stamp" 2>/dev/null)" = "$id" ] && continue
    "${buildah[@]}" push --quiet "$name" "oci-archive:$tmp/image.tar:$(full_name "$name")" >/dev/null
    ctr --address "$containerd_sock" -n k8s.io images import "$tmp/image.tar" >/dev/null
    rm -f "$tmp/image.tar"
    echo "$id" >"$stamp"
  done
  rm -rf "$tmp"
}
# what containerd calls an image: a name without a registry is Docker Hub's
full_name() {
  case "${1%%/*}" in
    *.*|*:*|localhost) echo "$1" ;;
    *) echo "docker.io/$1" ;;
  esac
}

debian_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -v security | head -1 | awk '{print ($1 == "deb") ? $2 : $2}')
  echo "${uri:-http://deb.debian.org/debian}"
}

# the Python base: Debian bookworm's minbase with python3, ca-certificates, netbase, tzdata
python_base() {
  local packages=python3,ca-certificates,netbase,tzdata mirror key tar name
  mirror=$(debian_mirror)
  key=$(echo "bookworm $packages $mirror $(debootstrap --version)" | sha256sum | cut -c1-12)
  name=localhost/mercado/python-bookworm:$key
  if ! has_image "$name"; then
    tar=$images/python-bookworm-$key.tar
    if [ ! -f "$tar" ]; then
      step "debootstrap bookworm ($mirror)"
      local rootfs
      rootfs=$(mktemp -d)
      debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" \
        >"$images/debootstrap.log" 2>&1 || die "debootstrap failed; see $images/debootstrap.log"
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
      tar -C "$rootfs" -cf "$tar.new" . && mv "$tar.new" "$tar"
      rm -rf "$rootfs"
    fi
    local container
    container=$("${buildah[@]}" from scratch)
    "${buildah[@]}" add --quiet "$container" "$tar" / >/dev/null
    "${buildah[@]}" config --env LANG=C.UTF-8 \
      --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd python3 "$container"
    "${buildah[@]}" commit --quiet --rm "$container" "$name" >/dev/null
  fi
  echo "$name"
}

# the uv image: /uv and /uvx of the uv wheel on PyPI, as ghcr.io/astral-sh/uv ships them
uv_image() {
  local name=localhost/mercado/uv:$uv_version
  if ! has_image "$name"; then
    local tmp
    tmp=$(mktemp -d)
    # Debian's pip (install-deps.sh), not whichever python3 is first on PATH: a uv venv's
    # (make test runs in one) has no pip
    /usr/bin/python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --platform "manylinux_2_17_$(uname -m)" -d "$tmp" "uv==$uv_version" ||
      die "could not fetch the uv $uv_version wheel"
    (cd "$tmp" && /usr/bin/python3 -m zipfile -e uv-*.whl wheel)
    mkdir "$tmp/context"
    install -m 0755 "$tmp"/wheel/uv-*.data/scripts/uv "$tmp"/wheel/uv-*.data/scripts/uvx "$tmp/context/"
    build "$name" "$tmp/context" "$here/images/uv.Containerfile"
    rm -rf "$tmp"
  fi
  echo "$name"
}

# binary_image NAME CONTAINERFILE BINARY: a static Go binary from hack/tools.sh in an image
binary_image() {
  local name=$1 file=$2 binary=$3 tmp
  [ -x "$tools_bin/$binary" ] || die "$tools_bin/$binary is missing: run make tools"
  tmp=$(mktemp -d)
  cp "$(readlink -f "$tools_bin/$binary")" "$tmp/$binary"
  build "$name" "$tmp" "$file"
  rm -rf "$tmp"
}

pause_image() {
  local name=mercado.local/pause:$pause_version tmp
  tmp=$(mktemp -d)
  gcc -static -Os -o "$tmp/pause" "$here/images/pause.c"
  build "$name" "$tmp" "$here/images/pause.Containerfile"
  rm -rf "$tmp"
  echo "$name"
}

node_images() {
  step "pause and CoreDNS"
  local pause
  pause=$(pause_image)
  binary_image "mercado.local/coredns:$coredns_version" "$here/images/coredns.Containerfile" coredns
  import "$pause" "mercado.local/coredns:$coredns_version"
}

mercado_images() {
  local tag=${1:-dev} base uv service
  base=$(python_base)
  uv=$(uv_image)
  mounts=("${uv_mounts[@]}")
  for service in "${services[@]}"; do
    step "mercado/$service:$tag (services/Dockerfile)"
    build "mercado/$service:$tag" "$root" "$root/services/Dockerfile" \
      "SERVICE=$service" "PYTHON_IMAGE=$base" "UV_IMAGE=$uv"
  done
  step "mercado/operator:$tag (operator/Dockerfile)"
  build "mercado/operator:$tag" "$root" "$root/operator/Dockerfile" "PYTHON_IMAGE=$base" "UV_IMAGE=$uv"
  step "import into containerd"
  local images=("${services[@]/#/mercado/}" mercado/operator)
  import "${images[@]/%/:$tag}"
  mounts=()
}

infra_images() {
  local base name
  base=$(python_base)
  for name in postgres rabbitmq nginx; do
    step "mercado.local/$name (Debian's package)"
    build "mercado.local/$name:bookworm" "$here/images" "$here/images/$name.Containerfile" "BASE=$base"
  done
  step "mercado.local/mailpit:$mailpit_version"
  binary_image "mercado.local/mailpit:$mailpit_version" "$here/images/mailpit.Containerfile" mailpit
  step "import into containerd"
  import mercado.local/postgres:bookworm mercado.local/rabbitmq:bookworm mercado.local/nginx:bookworm \
    "mercado.local/mailpit:$mailpit_version"
}

[ -S "$containerd_sock" ] || die "no containerd at $containerd_sock: make cluster-up first"
# buildah bud leaves the working containers of stages only copied from (FROM uv AS uv)
# mounted; none of ours is needed after a build
trap '"${buildah[@]}" rm --all >/dev/null 2>&1 || true' EXIT
case "${1:-all}" in
  node) node_images ;;
  mercado) mercado_images "${2:-dev}" ;;
  infra) infra_images ;;
  all) mercado_images "${2:-dev}"; infra_images ;;
  *) die "usage: $0 node|mercado [TAG]|infra|all [TAG]" ;;
esac
