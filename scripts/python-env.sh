# Sourced by scripts/run and scripts/test: sets PY to a Python that has the project installed
# (with the optional extras in $1, e.g. "[dev]"). The system Python is used as it is unless it
# refuses installs (PEP 668: Debian's and Ubuntu's do); then the project gets its own venv in
# .venv, made once (on Debian, python3-venv is installed first when it is missing).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
managed() {
    python3 - <<'PY'
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)
PY
}
if [ -x "$root/.venv/bin/python" ]; then
    PY="$root/.venv/bin/python"
elif managed; then
    if ! python3 -m venv "$root/.venv" >/dev/null 2>&1; then
        rm -rf "$root/.venv"
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$root/.venv"
        else
            echo "This Python refuses installs and cannot make a venv: install python3-venv." >&2
            exit 1
        fi
    fi
    PY="$root/.venv/bin/python"
else
    PY=python3
fi
if [ -d "$root/wheelhouse" ]; then
    # Offline (README "Install on a server"): the locked wheels from the folder, no index; the
    # bot runs from this folder, so the project itself needs no install.
    lock="$root/requirements.lock"
    [ -n "$extras" ] && lock="$root/requirements-dev.lock"
    "$PY" -m pip install --quiet --disable-pip-version-check --no-index \
        --find-links "$root/wheelhouse" -r "$lock"
else
    "$PY" -m pip install --quiet --disable-pip-version-check -e "$root$extras"
fi
