#!/usr/bin/env bash
# DepthScope set-up: installs the Debian 12 packages it needs (only those missing), then
# configures and builds Release into build/. Idempotent and non-interactive.
#
#   packaging/setup.sh            install + build
#   packaging/setup.sh --run      install + build + launch the GUI on its built-in default
#   packaging/setup.sh --test     install + build + run every test (ctest)
#
# The .deb: `cmake --build build --target package` (build-essential brings dpkg-dev for
# dpkg-shlibdeps); packaging/check-deb.sh installs it into a fresh Debian 12 chroot.
#
# Environment: BUILD_DIR (default build), JOBS (default: all cores), DEPTHSCOPE_GUI=OFF for
# servers without Qt, DEPTHSCOPE_CUDA=AUTO|ON|OFF.
set -euo pipefail

mode=build
case "${1:-}" in
  --run) mode=run ;;
  --test) mode=test ;;
  ""|--build) ;;
  *) echo "usage: $0 [--run|--test]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}
gui=${DEPTHSCOPE_GUI:-ON}

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libgloo-dev libopenblas0-openmp libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libsentencepiece-dev libpcre2-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  fortunes fortunes-min jargon-text
  help2man file  # man pages from --help (packaging/cmake/man_pages.cmake); file: CPack's shlibdeps
)
if [ "$gui" != "OFF" ]; then
  packages+=(qt6-base-dev qt6-svg-dev libqt6sql6-sqlite libqcustomplot-dev libgl-dev xvfb xauth fonts-dejavu-core)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Without the OpenMP OpenBLAS, LibTorch falls back to the reference BLAS (20-40x slower).
  if [ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ]; then
    $sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu \
      /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 >/dev/null 2>&1 || true
  fi
else
  echo "== setup: all ${#packages[@]} Debian packages present"
fi

echo "== setup: configuring $build_dir (Release, $jobs jobs)"
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DDEPTHSCOPE_GUI="$gui" -DDEPTHSCOPE_CUDA="${DEPTHSCOPE_CUDA:-AUTO}" >/dev/null
echo "== setup: building"
start=$(date +%s)
cmake --build "$build_dir" -j "$jobs"
echo "== setup: built in $(( $(date +%s) - start )) s"

case $mode in
  run)
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec "$build_dir/app/depthscope"
    fi
    shot="$build_dir/depthscope-default.png"
    echo "== setup: no display; rendering the default view under Xvfb to $shot"
    xvfb-run -a -s "-screen 0 1600x1000x24" "$build_dir/app/depthscope" --screenshot "$shot"
    echo "== setup: wrote $shot"
    ;;
  test)
    echo "== setup: running every test"
    cd "$build_dir"
    ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 900
    ;;
esac
