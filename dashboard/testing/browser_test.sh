#!/usr/bin/env bash
# Runs the dashboard's browser test with Debian's python (python3-selenium,
# chromium, chromium-driver from scripts/install_deps.sh); a pyenv python on
# PATH does not see Debian's modules.
set -euo pipefail
export HOME="${TEST_TMPDIR:-$(mktemp -d)}"  # Chromium writes its profile and caches there
here="$(dirname "$0")"
exec /usr/bin/python3 "$here/browser_test.py"
