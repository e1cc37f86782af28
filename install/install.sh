#!/bin/sh
# `make install` and `make uninstall` for Lochat: `sh install/install.sh install|uninstall`,
# run by the Makefile from the repository's root with these set:
#   PREFIX, DESTDIR  files go under $DESTDIR$PREFIX; the launchers name $PREFIX
#   KIND             binaries: dist/lochat-server and dist/lochat-client, from `make build`
#                    bundles: dist/lochat-*.js, run by launchers with a copy of $DENO
#   DENO             the deno that made the bundles (copied, never linked: the clone may go)
#   SERVER_FLAGS, CLIENT_FLAGS  the `deno run` flags of each program (the Makefile's)
# What install creates, files and directories, is listed in PREFIX/lib/lochat/installed, and
# uninstall removes exactly that.
set -eu

root="${DESTDIR:-}$PREFIX"
lib="$root/lib/lochat"
bin="$root/bin"
manifest="$lib/installed"

# Removes the files the manifest lists and prints the directories it lists, deepest first.
remove_files() {
  [ -f "$manifest" ] || return 0
  dirs=$(sed -n 's/^dir //p' "$manifest" | sort -r)
  sed -n 's/^file //p' "$manifest" | while IFS= read -r path; do rm -f "$root/$path"; done
  printf '%s\n' "$dirs"
}

# Creates a directory and the missing ones above it, up to the prefix, adding each it
# creates to $created (relative to the prefix; the prefix itself is ".").
make_dirs() {
  [ -d "$1" ] && return 0
  if [ "$1" = "$root" ]; then
    mkdir -p "$root"
    created="$created
dir ."
    return 0
  fi
  make_dirs "$(dirname "$1")"
  mkdir "$1"
  created="$created
dir ${1#"$root"/}"
}

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# A launcher: the bundle run by Lochat's copy of Deno, with the Makefile's flags.
launcher() { # NAME FLAGS
  cat <<EOF
#!/bin/sh
# $1, installed by Lochat's \`make install\`: the bundle, run by Lochat's own copy of Deno.
unset RUST_BACKTRACE
export DENO_NO_UPDATE_CHECK=1
exec $(quote "$PREFIX/lib/lochat/deno") run --no-config $2 $(quote "$PREFIX/lib/lochat/$1.js") "\$@"
EOF
}

install_lochat() {
  # Reinstalling: the earlier install's files go, the directories it made stay on its list.
  created=$(remove_files)
  created=$(printf '%s\n' "$created" | sed '/^$/d; s/^/dir /')
  make_dirs "$bin"
  make_dirs "$lib"
  files="file lib/lochat/installed"
  if [ "$KIND" = binaries ]; then
    for name in lochat-server lochat-client; do
      install -m 755 "dist/$name" "$bin/$name"
      files="$files
file bin/$name"
    done
  else
    install -m 755 "$DENO" "$lib/deno"
    files="$files
file lib/lochat/deno"
    for name in lochat-server lochat-client; do
      install -m 644 "dist/$name.js" "$lib/$name.js"
      if [ "$name" = lochat-server ]; then flags=$SERVER_FLAGS; else flags=$CLIENT_FLAGS; fi
      launcher "$name" "$flags" >"$bin/$name.tmp"
      chmod 755 "$bin/$name.tmp"
      mv -f "$bin/$name.tmp" "$bin/$name"
      files="$files
file lib/lochat/$name.js
file bin/$name"
    done
  fi
  printf '%s\n' "$files" "$created" | sed '/^$/d' >"$manifest"

  if [ "$KIND" = binaries ]; then
    echo "Installed the compiled lochat-server and lochat-client in $bin/"
  else
    echo "Installed lochat-server and lochat-client in $bin/: launchers that run"
    echo "  the bundles in $lib/ with a copy of $("$lib/deno" --version | head -n 1)"
  fi
  if [ -z "${DESTDIR:-}" ]; then
    # A run of each, so a broken install shows now rather than at first use.
    "$bin/lochat-server" --help >/dev/null
    "$bin/lochat-client" --help >/dev/null
    case ":${PATH:-}:" in
      *":$PREFIX/bin:"*) echo "$PREFIX/bin is on your PATH: run lochat-server or lochat-client." ;;
      *)
        shown=$PREFIX/bin
        case "$shown" in "${HOME:-/nonexistent}"/*) shown="\$HOME/${shown#"$HOME"/}" ;; esac
        echo "$PREFIX/bin is not on your PATH; add this line to ~/.profile (or your shell's rc file):"
        echo "  export PATH=\"$shown:\$PATH\""
        ;;
    esac
  fi
  how=""
  if [ -n "${DESTDIR:-}" ]; then how=" DESTDIR=$(quote "$DESTDIR")"; fi
  if [ "$PREFIX" != "${HOME:-}/.local" ]; then how="$how PREFIX=$(quote "$PREFIX")"; fi
  echo "Remove with: make uninstall$how"
}

uninstall_lochat() {
  if [ ! -f "$manifest" ]; then
    echo "Nothing to remove: no Lochat install in $root ($manifest is missing)"
    return 0
  fi
  kept=""
  while IFS= read -r dir; do
    [ -n "$dir" ] || continue
    if [ "$dir" = . ]; then dir=$root; else dir=$root/$dir; fi
    rmdir "$dir" 2>/dev/null || kept="$kept $dir"
  done <<DIRS
$(remove_files)
DIRS
  echo "Removed lochat-server and lochat-client from $bin/, and what make install put in $lib/"
  if [ -n "$kept" ]; then echo "Kept directories that hold something else:$kept"; fi
}

case "${1:-}" in
  install) install_lochat ;;
  uninstall) uninstall_lochat ;;
  *)
    echo "usage: install.sh install|uninstall (run by make install / make uninstall)" >&2
    exit 2
    ;;
esac
