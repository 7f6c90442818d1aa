# ds_cuda_architectures (cmake/depthscope_cuda_architectures.cmake) against fake nvcc programs,
# no CUDA needed: a CUDA 13 list (no sm_70), a CUDA 12 list (sm_70, nothing past sm_90) and an
# nvcc that lists nothing. Each choice must build sm_75 and sm_86 as binaries and end with the
# highest architecture bare (binary and PTX, for newer GPUs).
# cmake -DSOURCE=<repo> -DWORK=<scratch folder> -P cuda_architecture_choice.cmake
cmake_minimum_required(VERSION 3.22)  # IN_LIST, file(CHMOD)
include(${SOURCE}/cmake/depthscope_cuda_architectures.cmake)
file(MAKE_DIRECTORY ${WORK})

function(fake_nvcc name listed exit_code)
  set(script ${WORK}/${name})
  file(WRITE ${script} "#!/bin/sh\nprintf '%s\\n' ${listed}\nexit ${exit_code}\n")
  file(CHMOD ${script} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endfunction()

function(expect name expected)
  ds_cuda_architectures(chosen ${WORK}/${name})
  if(NOT chosen STREQUAL "${expected}")
    message(FATAL_ERROR "${name}: chose '${chosen}', expected '${expected}'")
  endif()
  foreach(needed 75-real 86-real)
    if(NOT needed IN_LIST chosen)
      message(FATAL_ERROR "${name}: ${needed} is missing from '${chosen}'")
    endif()
  endforeach()
  list(GET chosen -1 last)
  if(last MATCHES "-real$")
    message(FATAL_ERROR "${name}: no PTX (the last architecture '${last}' is binary only)")
  endif()
  message(STATUS "${name}: ${chosen}")
endfunction()

fake_nvcc(nvcc13 "compute_75 compute_80 compute_86 compute_87 compute_88 compute_89 compute_90 compute_100 compute_103 compute_110 compute_120 compute_121" 0)
expect(nvcc13 "75-real;80-real;86-real;89-real;90-real;100-real;120")
fake_nvcc(nvcc12 "compute_50 compute_60 compute_70 compute_75 compute_80 compute_86 compute_89 compute_90" 0)
expect(nvcc12 "70-real;75-real;80-real;86-real;89-real;90")
fake_nvcc(nvcc_silent "" 1)
expect(nvcc_silent "75-real;80-real;86-real;89-real;90")
