#!/usr/bin/env bash
# Sets up, builds and launches MAE Studio on the shipped default model and a demo image.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/app/mae-studio "$@"
