#!/usr/bin/env bash
# Installs everything Sparrow needs on Debian 12, idempotently:
#   Debian packages (apt when run as root, otherwise the exact command to run) and
#   a virtual environment in .venv with the pinned Python dependencies.
# Usage: ./setup.sh [extra ...]     extras: train (PyTorch for ECG training),
#                                           bench (Chromium, for bench/report.py's screenshot),
#                                           fpga (amaranth-boards, YoWASP Yosys/nextpnr, pyserial)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(yosys iverilog opensta qflow-tech-osu018 build-essential python3-dev python3-venv ccache)
VENV=.venv
PY=${PYTHON:-python3}

# "bench" is a Debian package, not a Python extra: only the others go to pip.
pip_extras=()
for e in "$@"; do
  if [ "$e" = bench ]; then APT_PACKAGES+=(chromium); else pip_extras+=("$e"); fi
done

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "setup: installing Debian packages with sudo: ${missing[*]}"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

extras=dev
for e in "${pip_extras[@]}"; do extras="$extras,$e"; done

# Reinstall only when pyproject.toml or the extras changed.
stamp="$VENV/.sparrow-setup"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[$extras]"
echo "$want" > "$stamp"
echo "setup: environment ready in $VENV"
