#!/usr/bin/env bash
# The whole GPU check, unattended, on a machine with an NVIDIA GPU and driver, a CUDA toolkit
# (nvcc), CMake >= 3.24 and a CUDA build of PyTorch for python3 (its LibTorch is the one
# DepthScope builds against); run it from the root of a DepthScope checkout there (or of what
# tests/gpu/stage.sh --archive made: DEVELOPERS.md, "The GPU check"). Nothing is downloaded. Budget: under 8 minutes in all (configure + build ~4, tests ~1, benchmarks ~2); every
# step runs under `timeout`, capped by what is left of DEPTHSCOPE_CHECK_BUDGET (default 450 s), so
# the whole script ends in time even when a step hangs (a step with no time left is skipped and
# counted as failed).
#   1. preflight: GPU, python3 torch with CUDA, cmake, ninja (else make), nvcc, the libraries
#      DepthScope needs, from the system or staged by tests/gpu/stage.sh in <repo>/.gpu-deps (a
#      missing one stops here, named with its Debian package); GTest absent (neither installed
#      nor staged as sources): the tests are not built (loud message) and the benchmarks still run
#   2. configure build-gpu/ against torch.utils.cmake_prefix_path, -DDEPTHSCOPE_GUI=OFF
#      -DDEPTHSCOPE_CUDA=ON, the GPU's own architecture (the project's list when nvidia-smi
#      does not say); build core, kernels, the CLI, gpu tests
#   3. ctest -L gpu (every GPU-vs-CPU parity test)
#   4. benchmarks, each beside eager PyTorch on the same GPU where there is a peer:
#      statistics-kernel bandwidth (GB/s, % of peak), statistics overhead vs a plain forward,
#      forward tokens/s and removal-sweep time for the LLaMA-130M shape, training tokens/s
#      and MFU of the llama-130m preset at sequence 256 in bf16
#   5. a summary of every figure; exit 0 only when every step passed
# Usage:   tests/gpu/check.sh
# Output:  DIR/gpu-check/ (DIR: $DEPTHSCOPE_CHECK_OUT, else the build folder): gpu-check.log (the whole log, ending
#          with the summary of every figure), summary.txt, each benchmark's JSON, and the
#          configure, build and ctest outputs. Bring that folder back; exit 0 only when every step passed.
# Env:     DEPTHSCOPE_CHECK_OUT=DIR      where gpu-check/ goes (default: the build folder)
#          DEPTHSCOPE_CHECK_BUILD=DIR    build folder (default <repo>/build-gpu)
#          DEPTHSCOPE_CHECK_DRY=1        no GPU needed: preflight as far as it goes, every command
#                                        printed, the CLI's and the peers' options checked against an
#                                        existing build (DEPTHSCOPE_CHECK_CLI, default <repo>/build/app/depthscope-cli)
#          DEPTHSCOPE_CHECK_SUMMARY=1    only the summary of an earlier run's JSON (in $DEPTHSCOPE_CHECK_OUT/gpu-check)
#          DEPTHSCOPE_CHECK_BUDGET=S     seconds for the whole check (default 450)
#          DEPTHSCOPE_CHECK_SHARED_DATA=DIR  the reference data of the parity tests (default
#                                        <repo>/../shared/data, else <repo>/shared/data, which
#                                        tests/gpu/stage.sh fills; without it they skip)
#          DEPTHSCOPE_CHECK_DEPS=DIR     build dependencies staged by tests/gpu/stage.sh (default
#                                        <repo>/.gpu-deps when it is there; "none": the system's only)
#          DEPTHSCOPE_CHECK_TRAIN_BATCH=32, DEPTHSCOPE_CHECK_FORWARD_BATCH=16, PYTHON=python3
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${DEPTHSCOPE_CHECK_BUILD:-$root/build-gpu}
dry=${DEPTHSCOPE_CHECK_DRY:-0}
py=${PYTHON:-python3}
train_batch=${DEPTHSCOPE_CHECK_TRAIN_BATCH:-32}
forward_batch=${DEPTHSCOPE_CHECK_FORWARD_BATCH:-16}
budget=${DEPTHSCOPE_CHECK_BUDGET:-450}
results=${DEPTHSCOPE_CHECK_OUT:-$build}/gpu-check
mkdir -p "$results" || { echo "CHECK FAILED: cannot create $results"; exit 1; }
log=$results/gpu-check.log
if [[ ${DEPTHSCOPE_CHECK_SUMMARY:-0} == 1 ]]; then
  summary_only=1
else
  summary_only=0
  : > "$log"
fi
[[ ${DEPTHSCOPE_CHECK_SUMMARY:-0} == 1 ]] || exec > >(tee -a "$log") 2>&1
exec 3>&1  # the log, also while a command's own output goes to a file

failures=()
step() { printf '\n=== [%3ds] %s\n' "$SECONDS" "$*"; }
die() {
  printf '\nCHECK FAILED at %ds: %s\nlog: %s\n' "$SECONDS" "$*" "$log"
  exit 1
}
loud() { printf '\n!!!!!!!!!!\n!!! %s\n!!!!!!!!!!\n' "$*"; }
# Runs "$@" with a time limit, at most what is left of the budget (less 15 s for the summary);
# prints the command (to the log) first. A dry run only prints it. No time left: not run, 124.
run() {
  local limit=$1
  shift
  echo "+ $*" >&3
  [[ $dry == 1 ]] && return 0
  local left=$((budget - SECONDS - 15))
  if ((left < 10)); then
    echo "(not run: the ${budget}s budget of the check is spent: $1)"
    return 124
  fi
  ((limit > left)) && limit=$left
  timeout --kill-after=10 "$limit" "$@"
  local rc=$?
  [[ $rc == 124 || $rc == 137 ]] && echo "(timed out after ${limit}s: $1)"
  return $rc
}
# Dry run: every --option of a benchmark command is one its --help lists (the CLI's subcommand,
# or the python peer script's).
check_options() {
  local help
  if [[ $1 == "$py" && $have_torch == 0 ]]; then echo "(options of ${2##*/} not checked: $py has no torch)"; return 0; fi
  if [[ $1 == "$py" ]]; then help=$(timeout 120 "$1" "$2" --help 2>&1) || die "$2 --help failed: $help"
  else help=$(timeout 60 "$1" "$2" --help 2>&1) || die "$1 has no $2 command"; fi
  local a
  for a in "$@"; do
    [[ $a == --* ]] || continue
    grep -qE -- "(^|[[:space:],])${a%%=*}([[:space:],=]|$)" <<< "$help" || die "$* : $a is not an option of ${2##*/}"
  done
}
# A benchmark: its JSON goes to $results/NAME.json; a failure is recorded and the check goes on.
bench() {
  local name=$1 limit=$2
  shift 2
  if [[ $dry == 1 ]]; then
    echo "+ $* > $results/$name.json"
    check_options "$@"
    return 0
  fi
  if run "$limit" "$@" > "$results/$name.json" && "$py" -c "import json,sys; json.load(open(sys.argv[1]))" "$results/$name.json"; then
    cat "$results/$name.json"
  else
    failures+=("benchmark $name")
    echo "benchmark $name FAILED (see above)"
    rm -f "$results/$name.json"
  fi
}
# jget NAME EXPR: a value of a benchmark's JSON (j), formatted by EXPR; "-" when absent.
jget() {
  [[ -f $results/$1.json ]] || { echo "-"; return; }
  "$py" -c "import json,sys
j=json.load(open(sys.argv[1]))
try: print($2)
except Exception: print('-')" "$results/$1.json" 2>/dev/null || echo "-"
}

# The commit checked: git's, or (a copy made by tests/gpu/stage.sh --archive, without .git) the one staged.
source_version() {
  git -C "$root" log -1 --format='%h %s' 2> /dev/null | cut -c1-100 && return
  sed -n 's/^source: //p' "$root/.gpu-deps/depthscope-deps.txt" 2> /dev/null | head -1
}

# Every figure, from the benchmarks' JSON in $results (also alone: DEPTHSCOPE_CHECK_SUMMARY=1).
ratio() { "$py" -c "import sys
try: print('%.2fx' % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print('-')" "$1" "$2"; }
print_summary() {
  local fw fwp tr trp
  fw=$(jget forward 'j["tokens_per_s"]') fwp=$(jget forward_peer 'j["tokens_per_s"]')
  tr=$(jget train 'j["tokens_per_s_median"]') trp=$(jget train_peer 'j["tokens_per_s_median"]')
  {
    echo "device: $(jget train 'j["device_name"]'); LibTorch $(jget train 'j["libtorch"]'), eager PyTorch $(jget train_peer 'j["torch"]'); DepthScope $(source_version)"
    echo "statistics kernel f32:  $(jget kernels_f32 '"%.0f GB/s" % j["kernel_gb_per_s"]') = $(jget kernels_f32 '"%.1f %%" % (100 * j["kernel_fraction_of_peak"])') of $(jget kernels_f32 '"%.0f GB/s" % j["peak_gb_per_s"]') (target >= 70 %); through token_stats $(jget kernels_f32 '"%.0f GB/s" % j["wrapper_gb_per_s"]'); ATen ops $(jget kernels_f32 '"%.0f GB/s" % j["aten_gb_per_s"]')"
    echo "statistics kernel bf16: $(jget kernels_bf16 '"%.0f GB/s" % j["kernel_gb_per_s"]') = $(jget kernels_bf16 '"%.1f %%" % (100 * j["kernel_fraction_of_peak"])') of peak"
    echo "statistics overhead:    full statistics vs forward $(jget stats '"%+.1f %%" % (100 * j["overhead_full_vs_forward"]["wall"])'), probe + angular vs blocks $(jget stats '"%+.1f %%" % (100 * j["overhead_probe_angular_vs_blocks"]["wall"])') (target <= 5 %)"
    echo "forward tokens/s f32:   DepthScope $(jget forward '"%.0f" % j["tokens_per_s"]'), eager PyTorch $(jget forward_peer '"%.0f" % j["tokens_per_s"]'): $(ratio "$fw" "$fwp") (target >= 1.0x)"
    echo "removal sweep:          cached $(jget sweep '"%.3f s" % j["cached"]["wall_s"]'), naive $(jget sweep '"%.3f s" % j["naive"]["wall_s"]')"
    echo "training tokens/s bf16: DepthScope $(jget train '"%.0f" % j["tokens_per_s_median"]'), eager PyTorch $(jget train_peer '"%.0f" % j["tokens_per_s_median"]'): $(ratio "$tr" "$trp") (median steps; target >= 1.0x)"
    echo "training MFU bf16:      $(jget train '"%.1f %%" % (100 * j["mfu_median"])') of $(jget train '"%.0f TFLOP/s" % (j["peak_flops"] / 1e12)') ($(jget train 'j["peak_source"]'); target >= 35 %)"
    echo "training loss:          DepthScope $(jget train '"%.3f -> %.3f" % (j["first_loss"], j["last_loss"])'), eager PyTorch $(jget train_peer '"%.3f -> %.3f" % (j["first_loss"], j["last_loss"])')"
  } | tee "$results/summary.txt"
}

if [[ $summary_only == 1 ]]; then
  print_summary
  exit 0
fi
echo "DepthScope GPU check: $(source_version)"
echo "$(date -u '+%F %H:%M:%S UTC'), $(uname -n), $(nproc) cores; log $log"
[[ $dry == 1 ]] && loud "DRY RUN (DEPTHSCOPE_CHECK_DRY=1): nothing is built or measured; commands are printed"

# --- 1. preflight -----------------------------------------------------------------------------
step "preflight"
arch=""
kernels=ON
have_torch=1
driver_cuda=""  # the newest CUDA the driver runs ("12.4"), from nvidia-smi's banner
if command -v nvidia-smi > /dev/null; then
  timeout 30 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  arch=$(timeout 30 nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2> /dev/null | head -1 | tr -d '. ')
  driver_cuda=$(timeout 30 nvidia-smi 2> /dev/null | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1)
elif [[ $dry != 1 ]]; then
  die "nvidia-smi not found: no NVIDIA driver on this machine"
fi
[[ $arch =~ ^[0-9]+$ ]] || arch=""  # unknown: the project's list (cmake/depthscope_cuda_architectures.cmake)

command -v "$py" > /dev/null || die "$py not found (PYTHON=...): it provides the CUDA LibTorch"
torch_info=$(timeout 120 "$py" -c 'import torch, json
print(json.dumps({"version": torch.__version__, "cuda": torch.version.cuda, "available": torch.cuda.is_available(),
                  "prefix": torch.utils.cmake_prefix_path, "cxx11_abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI),
                  "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""}))' 2>&1) || {
  [[ $dry == 1 ]] || die "$py cannot import torch: $torch_info"
  loud "$py cannot import torch (dry run goes on; PYTHON=... names another): $(tail -1 <<< "$torch_info")"
  have_torch=0
  torch_info='{"version": "none", "cuda": "None", "available": false, "prefix": "", "cxx11_abi": true, "gpu": ""}'
}
echo "torch: $torch_info"
tj() { "$py" -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$torch_info" "$1"; }
torch_prefix=$(tj prefix)
torch_version=$(tj version)
if [[ $(tj cuda) == None ]]; then
  [[ $dry == 1 ]] && loud "torch $torch_version is a CPU build (dry run goes on)" ||
    die "torch $torch_version for $py is a CPU-only build: the GPU check needs a CUDA build of PyTorch"
fi
if [[ $(tj available) != True ]]; then
  [[ $dry == 1 ]] && loud "torch sees no GPU (dry run goes on)" ||
    die "torch $torch_version sees no GPU (torch.cuda.is_available() is False; check the driver, CUDA_VISIBLE_DEVICES)"
fi
# FlashAttention-style SDPA for the PyTorch peers where DepthScope uses it too (LibTorch >= 2.1).
sdpa=$(timeout 120 "$py" -c 'import torch; v=tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); print("--sdpa" if v >= (2, 1) else "")' 2> /dev/null)

command -v cmake > /dev/null || die "cmake not found (Debian: cmake)"
echo "cmake: $(cmake --version | head -1)"
cmake_version=$(cmake --version | sed -n 's/^cmake version \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
[[ $(printf '%s\n' 3.24 "$cmake_version" | sort -V | head -1) == 3.24 ]] ||
  die "cmake $cmake_version is older than the 3.24 DepthScope needs (CMakeLists.txt); put a newer cmake first on PATH"
if command -v ninja > /dev/null; then generator=Ninja; else
  generator="Unix Makefiles"
  echo "ninja not found: building with make"
fi
nvcc=$(command -v nvcc || true)
[[ -z $nvcc && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
if [[ -z $nvcc ]]; then
  [[ $dry == 1 ]] && loud "nvcc not found (dry run goes on)" ||
    die "nvcc not found (PATH or /usr/local/cuda/bin): the CUDA kernels and a CUDA LibTorch's CMake config need the CUDA toolkit"
else
  nvcc_cuda=$("$nvcc" --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1)
  echo "nvcc: $nvcc ($("$nvcc" --version | tail -1)); the driver runs CUDA ${driver_cuda:-?}; torch was built for CUDA $(tj cuda)"
  # The kernels link nvcc's CUDA runtime (shared, as torch links its own): a runtime of a newer
  # major version than the driver's fails at the first launch ("driver version is insufficient"),
  # and every statistic and training step with it. Then the check goes on without DepthScope's
  # kernels (ATen everywhere).
  if [[ -n $driver_cuda && -n $nvcc_cuda ]] && ((${nvcc_cuda%%.*} > ${driver_cuda%%.*})); then
    loud "nvcc $nvcc_cuda is newer than the driver's CUDA $driver_cuda: DepthScope's CUDA kernels are NOT built (-DDEPTHSCOPE_CUDA=OFF); install a CUDA $driver_cuda toolkit (or PATH=...) to check them"
    failures+=("CUDA kernels not built: nvcc $nvcc_cuda is newer than the driver's CUDA $driver_cuda")
    kernels=OFF
  elif [[ -n $nvcc_cuda && $(tj cuda) =~ ^[0-9]+\. && ${nvcc_cuda%%.*} != "$(tj cuda | cut -d. -f1)" ]]; then
    # Two CUDA runtimes of different major versions in one process (libcudart.so.<nvcc's> for the
    # kernels, torch's own): expected to work on a driver that runs both, but never tried.
    loud "nvcc $nvcc_cuda and torch's CUDA $(tj cuda) differ in major version: if the kernels or torch fail to start on the GPU, use a CUDA $(tj cuda) toolkit"
  fi
fi

# The libraries DepthScope links (no network here: a missing one is installed by hand, or staged
# on a Debian 12 machine by tests/gpu/stage.sh into .gpu-deps, copied here with the checkout).
deps=${DEPTHSCOPE_CHECK_DEPS:-$root/.gpu-deps}
[[ $deps == none || $deps == /* ]] || deps=$root/$deps
if [[ $deps != none && -f $deps/depthscope-deps.txt ]]; then
  echo "staged dependencies: $deps (tests/gpu/stage.sh; CMake finds them first, pkg-config unused, GoogleTest from its sources there):"
  sed -n '2,$s/^/  /p' "$deps/depthscope-deps.txt"
  deps_args=("-DDEPTHSCOPE_DEPS_DIR=$deps")
else
  [[ -n ${DEPTHSCOPE_CHECK_DEPS:-} && $deps != none ]] && die "DEPTHSCOPE_CHECK_DEPS=$deps is not a folder made by tests/gpu/stage.sh (no depthscope-deps.txt)"
  echo "staged dependencies: none (the system's packages; tests/gpu/stage.sh stages them where they are missing)"
  deps=""
  deps_args=()
fi
missing=()
header_dirs=(/usr/include /usr/local/include)
lib_globs=('/usr/lib/*/lib' '/usr/lib/lib' '/usr/local/lib/*/lib' '/usr/local/lib/lib')
[[ -n $deps ]] && header_dirs=("$deps/include" "${header_dirs[@]}") && lib_globs=("$deps/lib/lib" "${lib_globs[@]}")
have_header() { for d in "${header_dirs[@]}"; do [[ -e $d/$1 ]] && return 0; done; return 1; }
have_lib() { for g in "${lib_globs[@]}"; do compgen -G "$g$1.so" > /dev/null && return 0; done; return 1; }
have_header nlohmann/json.hpp || missing+=("nlohmann-json3-dev")
have_header CLI/CLI.hpp || missing+=("libcli11-dev")
{ have_header sqlite3.h && have_lib sqlite3; } || missing+=("libsqlite3-dev")
{ have_header zlib.h && have_lib z; } || missing+=("zlib1g-dev")
{ have_header pcre2.h && have_lib pcre2-8; } || missing+=("libpcre2-dev")
((${#missing[@]} == 0)) || die "missing build dependencies: ${missing[*]} (Debian package names; apt-get install them, or run tests/gpu/stage.sh on a Debian 12 machine and bring .gpu-deps)"
# Optional: without it the sentencepiece plugin is not built (only .model tokenizers need it).
{ have_header sentencepiece_processor.h && have_lib sentencepiece; } ||
  echo "sentencepiece not found (libsentencepiece-dev): the sentencepiece plugin is not built; the check does not need it"
tests=ON
have_gtest_lib() { for g in '/usr/lib/*/libgtest.*' '/usr/lib/libgtest.*' '/usr/local/lib/libgtest.*' '/usr/local/lib/*/libgtest.*'; do compgen -G "$g" > /dev/null && return 0; done; return 1; }
if [[ -n $deps && -f $deps/src/googletest/CMakeLists.txt ]]; then
  echo "GoogleTest: built from the staged sources ($deps/src/googletest) with torch's string ABI"
elif [[ $(tj cxx11_abi) == False && -f /usr/src/googletest/CMakeLists.txt ]]; then
  # tests/CMakeLists.txt builds GoogleTest from these sources with torch's ABI.
  echo "torch uses the pre-C++11 string ABI: GoogleTest is built from /usr/src/googletest with it"
elif ! have_header gtest/gtest.h || ! have_gtest_lib; then
  tests=OFF
  failures+=("the gpu tests were not built: GoogleTest is not installed (libgtest-dev)")
  loud "GoogleTest is not installed (libgtest-dev): the gpu tests are NOT built and ctest is skipped; the benchmarks still run"
elif [[ $(tj cxx11_abi) == False ]]; then
  loud "this torch uses the pre-C++11 string ABI, the system GTest the new one, and there are no GoogleTest sources (/usr/src/googletest, Debian: googletest): the gpu tests will not link; the benchmarks still run"
fi

# The reference data of the parity tests (run.c's logits, stories260K): ../shared beside the
# checkout, or a shared/ inside it (staged by tests/gpu/stage.sh and copied with the checkout).
shared_data=${DEPTHSCOPE_CHECK_SHARED_DATA:-}
if [[ -z $shared_data ]]; then
  shared_data=$root/../shared/data
  [[ -d $shared_data ]] || shared_data=$root/shared/data
fi
[[ $shared_data == /* ]] || shared_data=$root/$shared_data
if [[ -f $shared_data/llama2c/stories260K.bin ]]; then
  [[ $shared_data == "$root/shared/data" ]] && echo "reference data: $shared_data (inside the checkout: staged by tests/gpu/stage.sh)" ||
    echo "reference data: $shared_data"
else
  loud "no reference data at $shared_data (llama2c/stories260K.*): the device parity tests will SKIP (DEPTHSCOPE_CHECK_SHARED_DATA=DIR)"
fi

# --- 2. configure and build ---------------------------------------------------------------------
step "configure $build (LibTorch $torch_version from $torch_prefix, CUDA arch ${arch:-from the project list}, kernels $kernels, $generator)"
cuda_args=("-DDEPTHSCOPE_CUDA=$kernels")
[[ -n $arch ]] && cuda_args+=("-DCMAKE_CUDA_ARCHITECTURES=$arch")
# (also without the kernels: a CUDA LibTorch's own CMake config may enable CUDA itself)
[[ -n $nvcc ]] && cuda_args+=("-DCMAKE_CUDA_COMPILER=$nvcc")
run 240 cmake -S "$root" -B "$build" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_PREFIX_PATH=$torch_prefix" -DDEPTHSCOPE_GUI=OFF "-DDEPTHSCOPE_TESTS=$tests" "${cuda_args[@]}" \
  "-DDEPTHSCOPE_SHARED_DATA=$shared_data" "${deps_args[@]}" \
  > "$results/configure.txt" 2>&1 ||
  {
    tail -40 "$results/configure.txt"
    # Known failures of a CUDA LibTorch's own CMake config, in words.
    grep -q "nvToolsExt" "$results/configure.txt" &&
      echo "hint: this torch's CMake config wants the legacy libnvToolsExt, which CUDA toolkits from 12.9 on no longer ship: use a toolkit of torch's CUDA version ($(tj cuda)) first on PATH"
    grep -q "uses cuDNN but I cannot find" "$results/configure.txt" &&
      echo "hint: this torch's CMake config wants cuDNN's headers and library (CUDNN_ROOT=..., or the nvidia-cudnn pip package's include/ and lib/)"
    die "cmake configure failed (whole output: $results/configure.txt)"
  }
[[ $dry == 1 ]] || grep -E "DepthScope:|Torch|CUDA|GoogleTest|Found|libpcre2|sentencepiece" "$results/configure.txt" | head -20

step "build core, kernels and the CLI (-j $(nproc))"
run 420 cmake --build "$build" --target depthscope-cli -j "$(nproc)" > "$results/build.txt" 2>&1 ||
  { grep -E "error|Error" "$results/build.txt" | head -30; tail -20 "$results/build.txt"; die "building the CLI failed (whole output: $results/build.txt)"; }
cli=$build/app/depthscope-cli
if [[ $tests == ON ]]; then
  step "build the gpu tests"
  if ! run 240 cmake --build "$build" --target depthscope_gpu_tests -j "$(nproc)" > "$results/build-tests.txt" 2>&1; then
    grep -E "error|undefined reference" "$results/build-tests.txt" | head -20
    loud "the gpu tests did not build (output: $results/build-tests.txt); ctest skipped, the benchmarks still run"
    failures+=("building the gpu tests")
    tests=OFF
  fi
fi
if [[ $dry == 1 ]]; then
  cli=${DEPTHSCOPE_CHECK_CLI:-$root/build/app/depthscope-cli}
  [[ -x $cli ]] || die "dry run: no CLI at $cli to check the benchmark options against (DEPTHSCOPE_CHECK_CLI=...)"
else
  run 30 "$cli" info || die "$cli does not start"
fi

# --- 3. gpu tests ---------------------------------------------------------------------------
if [[ $tests == ON ]]; then
  step "ctest -L gpu"
  if [[ $dry == 1 ]]; then
    run 240 ctest -L gpu --output-on-failure -V
  else
    (cd "$build" && run 240 ctest -L gpu --output-on-failure -V) 2>&1 | tee "$results/ctest.txt"
    # ctest reports a gtest executable with any skipped test as skipped as a whole: read gtest's own lines.
    [[ ${PIPESTATUS[0]} == 0 ]] || failures+=("ctest -L gpu")
    grep -q "\[  FAILED  \]" "$results/ctest.txt" && failures+=("a gpu test FAILED (see [  FAILED  ] above)")
    grep -q "\[  SKIPPED \]" "$results/ctest.txt" && loud "some gpu tests were SKIPPED on a GPU machine (see above): a skip is not a pass"
    grep -q "\[  PASSED  \]" "$results/ctest.txt" || failures+=("no gpu test reported PASSED")
  fi
else
  loud "ctest -L gpu NOT RUN (no GoogleTest or the tests did not build)"
fi

# --- 4. benchmarks -----------------------------------------------------------------------------
# In a dry run each benchmark's options are checked against its --help (check_options); the
# peers' --sdpa too, which a dry run on an old torch would leave out.
[[ $dry == 1 && -z $sdpa ]] && sdpa=--sdpa

shape130=(--layers 12 --hidden 768 --ffn 2048 --heads 12 --vocab 32000)  # LLaMA-130M (llama-130m preset)
step "statistics kernel bandwidth (fused token statistics vs ATen ops)"
bench kernels_f32 60 "$cli" bench-kernels --device cuda --dtype f32 --json
bench kernels_bf16 60 "$cli" bench-kernels --device cuda --dtype bf16 --json

step "statistics overhead vs a plain forward (LLaMA-130M shape, 8 windows of 256)"
bench stats 120 "$cli" bench-forward --mode stats --device cuda "${shape130[@]}" --ctx 256 --batch 8 --iters 5 --warmup 2

step "forward tokens/s, LLaMA-130M shape, $forward_batch x 256, float32: DepthScope vs eager PyTorch"
bench forward 90 "$cli" bench-forward --mode forward --device cuda "${shape130[@]}" --ctx 256 --batch "$forward_batch" --iters 10 --warmup 3
bench forward_peer 90 "$py" "$root/tools/bench/forward_baseline.py" --device cuda "${shape130[@]}" --ctx 256 --batch "$forward_batch" --iters 10 --warmup 3 $sdpa

step "layer-removal sweep (prune-sweep's cached sweep), LLaMA-130M shape, 4 windows of 256"
bench sweep 150 "$cli" bench-forward --mode sweep --device cuda "${shape130[@]}" --ctx 256 --batch 4 --iters 2 --warmup 1

step "training llama-130m, $train_batch x 256 tokens per step, bf16 mixed precision: DepthScope vs eager PyTorch"
bench train 150 "$cli" bench-train --preset llama-130m --seq 256 --batch "$train_batch" --device cuda --dtype bf16 --steps 10 --warmup-steps 3 --json
bench train_peer 150 "$py" "$root/tools/bench/train_baseline.py" "${shape130[@]}" --seq 256 --batch "$train_batch" --device cuda --dtype bf16 --steps 10 --warmup-steps 3 $sdpa

# --- 5. summary -------------------------------------------------------------------------------
step "summary"
[[ $dry == 1 ]] && { echo "dry run: no figures (every command above was checked, none run)"; exit 0; }
print_summary
echo "JSON of every benchmark: $results/*.json; log: $log; total ${SECONDS}s"
if ((${#failures[@]} > 0)); then
  printf 'CHECK FAILED: %s\n' "${failures[@]}"
  exit 1
fi
echo "CHECK PASSED (every step ran; compare the figures with the targets above)"
