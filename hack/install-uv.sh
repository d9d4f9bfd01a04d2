#!/usr/bin/env bash
# Put the pinned uv at <cache>/bin/uv when it is missing: from PyPI, into a virtual
# environment of its own under the cache, so no system Python is changed.
#   hack/install-uv.sh            MERCADO_CACHE=/path ... (default ~/.cache/mercado)
set -euo pipefail

version=0.13.9
cache=${MERCADO_CACHE:-$HOME/.cache/mercado}
venv="$cache/uv-$version"

if [ ! -x "$venv/bin/uv" ]; then
  command -v python3 >/dev/null || { echo "install Python 3.11 or newer first (python3)" >&2; exit 1; }
  echo "installing uv $version into $venv ..." >&2
  python3 -m venv "$venv" || { echo "python3 cannot make a virtual environment: install python3-venv" >&2; exit 1; }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$version"
fi
mkdir -p "$cache/bin"
ln -sfn "$venv/bin/uv" "$cache/bin/uv"
echo "uv: $cache/bin/uv ($("$cache/bin/uv" --version))" >&2
