# Sourced by the scripts that run a tool from a project venv. One way to make a venv: created
# on first use, re-installed when its requirements file changes, quiet on stdout.
# ensure_venv DIR REQUIREMENTS WHAT: sets VENV=DIR.
ensure_venv() {
  local dir="$1" req="$2" what="$3"
  if [[ ! -x "$dir/bin/python" ]] || ! cmp -s "$req" "$dir/.requirements"; then
    echo "installing $what into $dir (first run only)" >&2
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$dir/.requirements"
  fi
  VENV="$dir"
}
