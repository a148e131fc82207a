#!/usr/bin/env bash
# Runs one `sdsf` command as the services do: as the sdsf user, with /etc/sdsf/sdsf.env
# (another file with SDSF_ENV_FILE). Values of that file that hold spaces or shell characters
# are quoted ('…'), which systemd reads the same way.
#   /opt/sdsf/deploy/sdsf-admin.sh migrate --noinput
set -euo pipefail
env_file=${SDSF_ENV_FILE:-/etc/sdsf/sdsf.env}
here="$(dirname "$(readlink -f "$0")")"
if [ "$(id -un)" != sdsf ]; then
  exec runuser -u sdsf -- env SDSF_ENV_FILE="$env_file" "$here/sdsf-admin.sh" "$@"
fi
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
cd "$here/.."
exec .venv/bin/sdsf "$@"
