#!/usr/bin/env bash
#  The Prometheus alert rules (deploy/prometheus/licrepo-alerts.yml) are
#  valid and fire as their unit tests say (licrepo-alerts.test.yml), with
#  promtool from Debian's prometheus package; skipped (77) without it.
set -euo pipefail
command -v promtool > /dev/null || { echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
cd "$(dirname "$0")/../deploy/prometheus"
promtool check rules licrepo-alerts.yml
promtool test rules licrepo-alerts.test.yml
