#!/usr/bin/env bash
# Runs each argument as one `sdsf` command (e.g. "agrement_alerts --email"), all of them even if
# one fails; exits non-zero when any failed, so that systemd shows the unit as failed.
set -uo pipefail
sdsf="$(dirname "$(readlink -f "$0")")/../.venv/bin/sdsf"
failed=()
for command in "$@"; do
  read -r -a words <<< "$command"
  echo "== sdsf $command"
  "$sdsf" "${words[@]}" || failed+=("$command")
done
if ((${#failed[@]})); then
  printf 'failed: sdsf %s\n' "${failed[@]}" >&2
  exit 1
fi
