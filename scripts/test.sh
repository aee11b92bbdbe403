#!/usr/bin/env bash
# Set up everything the tests need on a machine with only Python 3.11+ and pip, then run them
# all (lint, unit and end-to-end tests, notebooks). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check uv

# Static chart export (SVG/PNG) drives a Chromium-family browser; install Debian's when missing.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "Installing Chromium for static chart export (apt-get)…"
        $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null \
            || echo "warning: could not install Chromium; static chart tests will be skipped"
    else
        echo "warning: no Chromium and no apt-get; static chart tests will be skipped"
    fi
fi

python3 -m uv sync --frozen --compile-bytecode --quiet
python3 -m uv run --frozen ruff check .
python3 -m uv run --frozen ruff format --check .
# two workers: most of a test is single-threaded Python (Dagster) waiting on DuckDB
python3 -m uv run --frozen pytest -n 2 "$@"
