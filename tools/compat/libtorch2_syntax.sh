#!/usr/bin/env bash
# Compiles (syntax only: -fsyntax-only, nothing linked or run) every core, CLI and gpu-test
# source against LibTorch 2.x headers: Debian trixie's libtorch-dev (2.6), downloaded with apt
# from the trixie archive into a scratch folder (the package holds headers only, 2.4 MB).
# Debian 12's LibTorch is 1.13; CUDA builds on GPU machines are 2.x. The CUDA-kernel dispatch
# (DEPTHSCOPE_HAVE_CUDA_KERNELS) and the c10d Gloo group (USE_C10D_GLOO) are compiled too.
#   tools/compat/libtorch2_syntax.sh [SCRATCH_DIR]      (needs the build folder's generated/ headers:
#                                                       run after a normal configure in build/)
# Prints one line per failing file and exits 1 if any fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=${1:-/tmp/ds-libtorch2}
mkdir -p "$scratch/lists/partial" "$scratch/cache/archives/partial" "$scratch/debs" "$scratch/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$scratch/sources.list"
apt_opts=(-oDir::Etc::SourceList="$scratch/sources.list" -oDir::Etc::SourceParts=/dev/null
          -oDir::State::Lists="$scratch/lists" -oDir::Cache="$scratch/cache" -oAPT::Sandbox::User=root)
if [[ ! -d $scratch/root/usr/include/torch ]]; then
  apt-get "${apt_opts[@]}" update > /dev/null || { echo "apt-get update (trixie) failed"; exit 2; }
  (cd "$scratch/debs" && apt-get "${apt_opts[@]}" download libtorch-dev > /dev/null) || { echo "download of libtorch-dev failed"; exit 2; }
  dpkg -x "$scratch"/debs/libtorch-dev_*.deb "$scratch/root"
fi
inc=$scratch/root/usr/include
version_h=$inc/torch/csrc/api/include/torch/version.h
echo "LibTorch headers $(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {printf "%s%s", sep, $3; sep="."}' "$version_h") from $(ls "$scratch"/debs/libtorch-dev_*.deb | xargs -n1 basename)"
cuda_inc=/usr/local/cuda/include  # for the gpu tests' kernel checks (cuda_runtime.h), when present
check() {
  g++ -std=c++17 -fsyntax-only -w -isystem "$inc" -isystem "$inc/torch/csrc/api/include" -I"$root" -I"$root/build/generated" \
    $([[ -d $cuda_inc ]] && echo "-isystem $cuda_inc") \
    -DPCRE2_CODE_UNIT_WIDTH=8 -DDEPTHSCOPE_HAVE_CUDA_KERNELS=1 -DUSE_C10D_GLOO=1 \
    -DDEPTHSCOPE_SHARED_DATA='"x"' -DDEPTHSCOPE_TEST_TMP='"x"' -DDEPTHSCOPE_SPM_PLUGIN='"x"' "$1" > "$scratch/$(echo "$1" | tr / _).log" 2>&1 \
    || { echo "FAILED $1: $(grep -m1 error "$scratch/$(echo "$1" | tr / _).log")"; return 1; }
}
export -f check; export inc root scratch cuda_inc
cd "$root"
files=$(ls core/*/*.cpp app/cli/*.cpp tests/gpu/*.cpp | grep -v sentencepiece_plugin)
echo "$(echo "$files" | wc -l) files, $(nproc) at a time"
if echo "$files" | xargs -P "$(nproc)" -n 1 bash -c 'check "$0"'; then echo "all compile against LibTorch 2.x headers"; else exit 1; fi
