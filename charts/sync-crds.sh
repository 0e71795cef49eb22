#!/usr/bin/env bash
# Copies the CRDs from the repository's crds/ (the source of truth) into the chart's
# crds/ folder, byte for byte. Run after changing a CRD:
#
#   bash charts/sync-crds.sh          # copy
#   bash charts/sync-crds.sh --check  # exit 1 if the chart's copies differ (what
#                                     # test/unit/chart-crds.test.ts checks too)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

src=crds
dst=charts/cloud-posture-operator/crds
mode=${1:-copy}

shopt -s nullglob
sources=("$src"/cloudposture.io_*.yaml)
if [ ${#sources[@]} -eq 0 ]; then
  echo "no $src/cloudposture.io_*.yaml found" >&2
  exit 1
fi

status=0
for f in "${sources[@]}"; do
  target="$dst/$(basename "$f")"
  if [ "$mode" = "--check" ]; then
    if ! cmp -s "$f" "$target"; then
      echo "differs: $target (run: bash charts/sync-crds.sh)" >&2
      status=1
    fi
  else
    mkdir -p "$dst"
    cp "$f" "$target"
    echo "copied $f -> $target"
  fi
done
# A CRD removed from crds/ must not linger in the chart.
for target in "$dst"/cloudposture.io_*.yaml; do
  if [ ! -e "$src/$(basename "$target")" ]; then
    if [ "$mode" = "--check" ]; then
      echo "stale: $target has no counterpart in $src/" >&2
      status=1
    else
      rm "$target"
      echo "removed stale $target"
    fi
  fi
done
# The account-grant admission policy: plain YAML the chart includes with .Files.Get.
policy=crds/admission/cloudservice-account-grant.yaml
policy_copy=charts/cloud-posture-operator/admission/cloudservice-account-grant.yaml
if [ "$mode" = "--check" ]; then
  if ! cmp -s "$policy" "$policy_copy"; then
    echo "differs: $policy_copy (run: bash charts/sync-crds.sh)" >&2
    status=1
  fi
else
  mkdir -p "$(dirname "$policy_copy")"
  cp "$policy" "$policy_copy"
  echo "copied $policy -> $policy_copy"
fi
exit $status
