# Sourced by scripts/test, scripts/demo, scripts/arm64-check and bench/faults: starts one local
# two-account AWS for this shell. Sets LOCAL_AWS_STATE (its state file), LOCAL_AWS_PID and
# LOCAL_AWS_ENDPOINT, and stops it by PID when the shell exits (it would also stop by itself
# within half a second of this shell going away). Ready when the server prints its first line
# (once it answers and is provisioned), which also writes the state file.
start_local_aws() {
  local root dir line
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/local-aws.XXXXXX")"
  LOCAL_AWS_STATE="$dir/state.json"
  exec {LOCAL_AWS_FD}< <("$root/scripts/local-aws" serve --parent-pid $$ --state-file "$LOCAL_AWS_STATE")
  if ! read -r line <&"$LOCAL_AWS_FD" || [[ -z "$line" ]]; then
    echo "the local AWS did not start (see its messages above)" >&2
    return 1
  fi
  LOCAL_AWS_PID="$("$root/scripts/local-aws" state --state-file "$LOCAL_AWS_STATE" --field pid)"
  LOCAL_AWS_ENDPOINT="$("$root/scripts/local-aws" state --state-file "$LOCAL_AWS_STATE" --field endpoint)"
  export LOCAL_AWS_STATE LOCAL_AWS_PID LOCAL_AWS_ENDPOINT
  LOCAL_AWS_DIR="$dir"
  trap stop_local_aws EXIT
  echo "local AWS: $LOCAL_AWS_ENDPOINT (pid $LOCAL_AWS_PID)" >&2
}

# Stops the server by PID and removes its directory; scripts with their own EXIT trap call it.
stop_local_aws() {
  [[ -n "${LOCAL_AWS_PID:-}" ]] && kill "$LOCAL_AWS_PID" 2>/dev/null || true
  [[ -n "${LOCAL_AWS_DIR:-}" ]] && rm -rf "$LOCAL_AWS_DIR" || true
}
