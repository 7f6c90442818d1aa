# ds_cuda_architectures(<out-var> <nvcc>): the GPU architectures DepthScope's kernels are built
# for, as a CMAKE_CUDA_ARCHITECTURES value. The GPUs a user is likely to have -- sm_70 (V100),
# sm_75 (T4, RTX 20xx), sm_80 (A100), sm_86 (RTX 30xx, A10), sm_89 (L4, RTX 40xx), sm_90
# (H100/H200), sm_100 (B200), sm_120 (RTX 50xx) -- each where this nvcc still supports it
# (`nvcc --list-gpu-arch`; CUDA 13 dropped sm_70), as binaries ("-real"), and the highest of
# them also as PTX, which the driver compiles for newer GPUs. A GPU of another architecture
# with neither (e.g. sm_70 with a CUDA 13 build) gets no kernel image: core probes each device
# once and gives such a GPU the ATen path (core/runtime/kernel_dispatch_gate.h).
# Within a major version a binary runs on the later minors (sm_86 code on sm_87/sm_88,
# sm_100 on sm_103, sm_120 on sm_121).
set(DS_CUDA_WANTED_ARCHITECTURES 70 75 80 86 89 90 100 120)

function(ds_cuda_architectures out nvcc)
  execute_process(COMMAND ${nvcc} --list-gpu-arch OUTPUT_VARIABLE listed RESULT_VARIABLE rc ERROR_QUIET)
  set(supported)
  if(rc EQUAL 0)
    string(REGEX MATCHALL "compute_[0-9]+" tokens "${listed}")
    foreach(t ${tokens})
      string(REPLACE "compute_" "" a ${t})
      list(APPEND supported ${a})
    endforeach()
  endif()
  if(NOT supported)
    message(WARNING "${nvcc} --list-gpu-arch gave no list: building the kernels for sm_75 to sm_90")
    set(supported 75 80 86 89 90)
  endif()
  set(chosen)
  foreach(a ${DS_CUDA_WANTED_ARCHITECTURES})
    if(a IN_LIST supported)
      list(APPEND chosen ${a})
    endif()
  endforeach()
  if(NOT chosen)
    message(FATAL_ERROR "${nvcc} supports none of the architectures ${DS_CUDA_WANTED_ARCHITECTURES}; "
                        "set CMAKE_CUDA_ARCHITECTURES or DEPTHSCOPE_CUDA=OFF")
  endif()
  list(POP_BACK chosen highest)
  set(value)
  foreach(a ${chosen})
    list(APPEND value ${a}-real)
  endforeach()
  list(APPEND value ${highest})  # binary and PTX
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
