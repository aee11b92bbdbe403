#!/usr/bin/env bash
# Set up everything the tests need on a machine with only Python 3.11+ and pip, then run them
# all (lint, unit and end-to-end tests, notebooks). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check uv

# Static chart export (SVG/PNG) drives a Chromium-family browser: install Debian's headless
# shell when missing (the same renderer as Chromium, opened in half the time), else Chromium.
has() { command -v "$1" >/dev/null 2>&1; }
if ! has chromium-headless-shell && ! has chrome-headless-shell; then
    if has apt-get; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "Installing Chromium's headless shell for static chart export (apt-get)…"
        if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium-headless-shell >/dev/null; }; then
            has chromium || has chromium-browser || $sudo apt-get install -y -qq chromium >/dev/null \
                || echo "warning: could not install Chromium; static chart tests will be skipped"
        fi
    elif ! has chromium && ! has chromium-browser; then
        echo "warning: no Chromium and no apt-get; static chart tests will be skipped"
    fi
fi

python3 -m uv sync --frozen --compile-bytecode --quiet
python3 -m uv run --frozen ruff check .
python3 -m uv run --frozen ruff format --check .
# two workers: most of a test is single-threaded Python (Dagster) waiting on DuckDB
python3 -m uv run --frozen pytest -n 2 "$@"
