#!/usr/bin/env bash
# Create .venv with the first Python >= 3.12 found and install the project into it.
# Usage: scripts/setup.sh [extra]   (extra: dev, or empty for the runtime only)
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=(python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        for v in "$root"/versions/3.13* "$root"/versions/3.12*; do
            [ -x "$v/bin/python3" ] && candidates=("$v/bin/python3" "${candidates[@]}")
        done
    fi
    for py in "${candidates[@]}"; do
        if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

extra=${1:-}
stamp=".venv/.installed-${extra:-runtime}"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt constraints.txt ]; then
    exit 0
fi
if [ ! -x .venv/bin/python ]; then
    py=$(find_python) || {
        echo "error: Python >= 3.12 is needed (Mesa 3.5 requires it) and none was found." >&2
        echo "Install python3.12 or python3.13, or put one on PATH, then run this again." >&2
        exit 1
    }
    echo "Creating .venv with $py ($("$py" --version))"
    "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extra" ]; then
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extra]"
else
    .venv/bin/python -m pip install --quiet -c constraints.txt -e .
fi
touch "$stamp"
