#!/usr/bin/env bash
# ctest install_layout (label install; issue 14): `cmake --install` into a temporary DESTDIR
# with prefix /usr, then checks the layout the .deb is made of, and runs the installed CLI
# from there: it must report the project version, load its sentencepiece plugin from
# DESTDIR/usr/lib/depthscope/plugins (not the build tree), find its data under DESTDIR/usr/share, and
# carry no RUNPATH into the build tree. The full package check is packaging/check-deb.sh.
# Usage: install_layout_test.sh BUILD_DIR VERSION PACKAGE SHARED_DATA gui|cli
set -euo pipefail
build=$1 version=$2 package=$3 shared=$4 mode=$5
dest=$(mktemp -d /tmp/ds-install-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install failed"; }
rm -f "$dest.log"
u=$dest/usr

expect=(
  bin/depthscope-cli
  lib/depthscope/plugins/libdepthscope_sentencepiece.so
  share/depthscope/specs/tiny-pair.json
  share/depthscope/specs/deep-narrow-pair.json
  share/depthscope/examples/pre-ln/config.json
  share/depthscope/examples/pre-ln/model.safetensors
  share/depthscope/examples/lns/model.safetensors
  share/man/man1/depthscope-cli.1.gz
  "share/doc/$package/copyright"
  "share/doc/$package/changelog.gz"
)
if [ "$mode" = gui ]; then
  expect+=(
    bin/depthscope
    share/man/man1/depthscope.1.gz
    share/applications/depthscope.desktop
    share/metainfo/io.github.depthscope.depthscope.metainfo.xml
    share/mime/packages/depthscope.xml
    share/icons/hicolor/scalable/apps/depthscope.svg
    share/icons/hicolor/16x16/apps/depthscope.png
    share/icons/hicolor/48x48/apps/depthscope.png
    share/icons/hicolor/256x256/apps/depthscope.png
  )
fi
for f in "${expect[@]}"; do
  hint=""
  case $f in *.1.gz) hint=" (man pages need help2man at configure time; packaging/setup.sh installs it)" ;; esac
  [ -s "$u/$f" ] || fail "missing or empty: /usr/$f$hint"
done
[ -x "$u/bin/depthscope-cli" ] || fail "/usr/bin/depthscope-cli is not executable"
# Nothing outside the prefix, nothing in the multiarch lib dir (the programs look in lib/depthscope).
outside=$(cd "$dest" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$outside" ] || fail "installed outside /usr: $outside"

# Man pages: gzip, with the roff header and the CLI's subcommands.
gzip -t "$u/share/man/man1/depthscope-cli.1.gz" || fail "depthscope-cli.1.gz is not gzip"
page=$(gzip -dc "$u/share/man/man1/depthscope-cli.1.gz")
grep -q '^\.TH DEPTHSCOPE-CLI "1"' <<<"$page" || fail "depthscope-cli.1 has no .TH DEPTHSCOPE-CLI 1 header"
grep -q '^\.SS "corpus build"' <<<"$page" || fail "depthscope-cli.1 lacks the 'corpus build' subcommand"
grep -q "$build" <<<"$page" && fail "depthscope-cli.1 names the build directory"

# No RUNPATH/RPATH pointing into the build tree.
for elf in "$u/bin/depthscope-cli" "$u/lib/depthscope/plugins/libdepthscope_sentencepiece.so"; do
  if readelf -d "$elf" | grep -E 'R(UN)?PATH' | grep -q "$build"; then fail "$elf has a RUNPATH into $build"; fi
done

# The installed CLI: version, plugin and data from DESTDIR.
out=$("$u/bin/depthscope-cli" --version)
[ "$out" = "depthscope-cli $version" ] || fail "--version printed '$out', expected 'depthscope-cli $version'"
info=$(env -u DEPTHSCOPE_SPM_PLUGIN "$u/bin/depthscope-cli" --threads 1 info --json)
# One "key": "value" line of the pretty-printed JSON (no python3 or jq on a fresh machine).
json_string() { sed -n "s/^ *\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$info"; }
[ "$(json_string version)" = "$version" ] || fail "info --json version '$(json_string version)', expected $version"
plugin=$(json_string sentencepiece_plugin)
[ -n "$plugin" ] && [ "$(realpath "$plugin")" = "$(realpath "$u/lib/depthscope/plugins/libdepthscope_sentencepiece.so")" ] ||
  fail "sentencepiece plugin loaded from '$plugin', not $u/lib/depthscope/plugins"
data=$(json_string data_dir)
[ -n "$data" ] && [ "$(realpath "$data")" = "$(realpath "$u/share/depthscope")" ] || fail "data_dir '$data', not $u/share/depthscope"

if [ "$mode" = gui ]; then
  grep -q '^Exec=depthscope %f$' "$u/share/applications/depthscope.desktop" || fail "desktop Exec line"
  grep -q "<release version=\"$version\"" "$u/share/metainfo/io.github.depthscope.depthscope.metainfo.xml" ||
    fail "metainfo release is not $version"
  for png in "$u"/share/icons/hicolor/*x*/apps/depthscope.png; do
    want=$(basename "$(dirname "$(dirname "$png")")")   # e.g. 48x48
    # PNG IHDR: width and height, big-endian u32 at bytes 16..23.
    read -r w h < <(od -An -tu1 -j16 -N8 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
    [ "${w}x${h}" = "$want" ] || fail "$png is ${w}x${h}, expected $want"
  done
  # The GUI's own version (offscreen platform, no display needed).
  gv=$(QT_QPA_PLATFORM=offscreen "$u/bin/depthscope" --version 2>/dev/null)
  [ "$gv" = "DepthScope $version" ] || fail "depthscope --version printed '$gv'"
fi

# The plugin really works from there: Llama 2's SentencePiece model encodes "Hello world" as
# [15043, 3186] (the ids the SentencePiece library gives; tests/core checks the same model).
spm=$shared/tokenizers/llama2/tokenizer.model
if [ ! -f "$spm" ]; then
  echo "SKIP: $spm not found (shared reference data); layout checks passed"
  exit 77
fi
ids=$(env -u DEPTHSCOPE_SPM_PLUGIN "$u/bin/depthscope-cli" --threads 1 tokenize --tokenizer "$spm" --text "Hello world" --json)
[ "$ids" = '{"count":2,"ids":[15043,3186]}' ] ||
  fail "tokenize with the installed plugin gave $ids"
echo "install layout OK: ${#expect[@]} files, plugin and data found from $dest/usr"
