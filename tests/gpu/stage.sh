#!/usr/bin/env bash
# Stages, on a Debian 12 machine with DepthScope's build dependencies (DEVELOPERS.md), what the
# GPU check (tests/gpu/check.sh) needs on a GPU machine that has an NVIDIA driver, a CUDA
# toolkit, CMake, ninja and a CUDA build of PyTorch for python3, but none of Debian's -dev
# packages and no network. Both folders are ignored by git (.git/info/exclude):
#   .gpu-deps/   a prefix for CMake (-DDEPTHSCOPE_DEPS_DIR=.gpu-deps, or CMAKE_PREFIX_PATH):
#                include/   sqlite3, pcre2 (8-bit), zlib, sentencepiece headers; nlohmann/json, CLI11
#                lib/       their shared libraries, each as lib<name>.so and under its SONAME
#                share/cmake/  nlohmann_json's and CLI11's CMake package files (relocatable)
#                src/googletest/  GoogleTest + GoogleMock sources, built there with torch's ABI
#                depthscope-deps.txt  the marker CMake and check.sh look for, with what was staged
#                           and the commit it was staged from
#   shared/data/ the reference data of the gpu tests (tests/gpu/device_parity_test.cpp), copied
#                from ../shared/data
# Nothing is linked statically: the build's RUNPATH (CMake's build RPATH) points at .gpu-deps/lib.
# What to copy to the GPU machine: the checkout's files (tracked and untracked, not ignored), with
# .gpu-deps/ and shared/ -- no build folder, no .git. --archive FILE writes exactly that as one
# .tar.gz; unpack it anywhere there and run tests/gpu/check.sh from it (DEVELOPERS.md, "The GPU check").
# Usage:  tests/gpu/stage.sh [--archive FILE.tar.gz]   (again at any time: both folders are made afresh)
# Env:    DEPTHSCOPE_STAGE_SENTENCEPIECE=0  leave sentencepiece out (the plugin is then not built
#                                           there; tokenizing a .model file says it is missing)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deps=$root/.gpu-deps
data=$root/shared/data
src_data=$root/../shared/data
multiarch=$(gcc -dumpmachine 2> /dev/null || echo x86_64-linux-gnu)
sys_lib=/usr/lib/$multiarch
with_spm=${DEPTHSCOPE_STAGE_SENTENCEPIECE:-1}
archive=""
case "${1:-}" in
  --archive) [[ -n ${2:-} ]] || { echo "stage.sh: --archive needs a file name" >&2; exit 2; }; archive=$2 ;;
  "") ;;
  *) echo "usage: tests/gpu/stage.sh [--archive FILE.tar.gz]" >&2; exit 2 ;;
esac
[[ -z $archive || $archive == /* ]] || archive=$PWD/$archive

die() { echo "stage.sh: $*" >&2; exit 1; }

# Both folders are ignored by git: .gitignore lists /.gpu-deps/; both go into .git/info/exclude
# too, for a checkout whose .gitignore does not.
exclude=$(git -C "$root" rev-parse --git-path info/exclude)
[[ $exclude == /* ]] || exclude=$root/$exclude
mkdir -p "$(dirname "$exclude")"
for pattern in /.gpu-deps/ /shared/; do
  grep -qxF "$pattern" "$exclude" 2> /dev/null || echo "$pattern" >> "$exclude"
done

rm -rf "$deps" "$data"
mkdir -p "$deps/include" "$deps/lib" "$deps/share/cmake" "$deps/src"

# A shared library twice, as plain files (no symbolic links, which a copy to the GPU machine
# might not keep): under its SONAME (what the loader asks for) and as lib<name>.so (what CMake's
# find_library and the linker take).
stage_lib() {
  local link=$sys_lib/lib$1.so
  [[ -e $link ]] || die "$link not found (Debian package $2)"
  local file soname
  file=$(readlink -f "$link")
  soname=$(objdump -p "$file" | awk '/SONAME/{print $2}')
  [[ -n $soname ]] || die "$file has no SONAME"
  cp "$file" "$deps/lib/$soname"
  cp "$file" "$deps/lib/lib$1.so"
}
stage_header() {
  [[ -e /usr/include/$1 ]] || die "/usr/include/$1 not found (Debian package $2)"
  cp -rL "/usr/include/$1" "$deps/include/"
}

stage_header sqlite3.h libsqlite3-dev
stage_header sqlite3ext.h libsqlite3-dev
stage_lib sqlite3 libsqlite3-dev
stage_header pcre2.h libpcre2-dev
stage_lib pcre2-8 libpcre2-dev
stage_header zlib.h zlib1g-dev
stage_header zconf.h zlib1g-dev
stage_lib z zlib1g-dev
if [[ $with_spm == 1 ]]; then
  stage_header sentencepiece_processor.h libsentencepiece-dev
  stage_header sentencepiece_trainer.h libsentencepiece-dev
  stage_lib sentencepiece libsentencepiece-dev
  stage_lib sentencepiece_train libsentencepiece-dev
fi
stage_header nlohmann nlohmann-json3-dev
cp -r /usr/share/cmake/nlohmann_json "$deps/share/cmake/"
stage_header CLI libcli11-dev
cp -r /usr/share/cmake/CLI11 "$deps/share/cmake/"
[[ -f /usr/src/googletest/CMakeLists.txt ]] || die "/usr/src/googletest not found (Debian package googletest)"
cp -rL /usr/src/googletest "$deps/src/googletest"

{
  echo "# DepthScope's build dependencies for a machine without Debian's -dev packages (tests/gpu/stage.sh)"
  echo "staged: $(date -u '+%F %H:%M:%S UTC') on $(uname -n), $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "source: DepthScope $(git -C "$root" describe --always --dirty 2> /dev/null || echo '?')"
  for p in libsqlite3-dev libpcre2-dev zlib1g-dev libsentencepiece-dev nlohmann-json3-dev libcli11-dev googletest; do
    [[ $p == libsentencepiece-dev && $with_spm != 1 ]] && { echo "libsentencepiece-dev: not staged"; continue; }
    echo "$p: $(dpkg-query -W -f '${Version}' "$p" 2> /dev/null || echo '?')"
  done
} > "$deps/depthscope-deps.txt"

# The reference data of the gpu tests: run.c's logits of stories260K, the BF16 sharded Qwen2.
[[ -d $src_data ]] || die "no reference data at $src_data"
mkdir -p "$data/llama2c" "$data/families"
cp "$src_data"/llama2c/stories260K.* "$src_data"/llama2c/tokenizer.bin "$data/llama2c/"
cp -r "$src_data/families/qwen2-tiny-bf16-sharded" "$data/families/"
chmod -R u+w "$data"

size() { du -cb "$@" | tail -1 | cut -f1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
d=$(size "$deps") s=$(size "$data")
t=$(cd "$root" && git ls-files -z | xargs -0 du -cb 2> /dev/null | awk '$2 == "total" {n += $1} END {print n + 0}')
u=$(cd "$root" && git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2> /dev/null | awk '$2 == "total" {n += $1} END {print n + 0}')
echo "staged: .gpu-deps $(mib "$d"), shared/data $(mib "$s")"
echo "to copy: tracked files $(mib "$t") + untracked $(mib "$u") + .gpu-deps + shared/data = $(mib $((t + u + d + s))) (uncompressed)"
if [[ -n $archive ]]; then
  # Tracked files that were deleted in the work tree are left out (tar would stop on them).
  (cd "$root" && { git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [[ -e $f ]] && printf '%s\0' "$f"; done; printf '%s\0' .gpu-deps shared; } |
    tar --null -T - -czf "$archive") || die "could not write $archive"
  echo "archive: $archive ($(mib "$(stat -c %s "$archive")")); on the GPU machine: mkdir depthscope && tar xzf ${archive##*/} -C depthscope && cd depthscope && tests/gpu/check.sh"
fi
