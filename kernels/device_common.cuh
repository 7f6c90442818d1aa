#pragma once
// Device helpers shared by DepthScope's kernels (nvcc only): element conversion, 16-byte packed
// loads, warp sums, and the host-side device scope and dispatch on ElementType.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "kernels/element_type.h"

namespace depthscope::kernels::detail {

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

template <class T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

// Sixteen bytes of T: 4 floats or 8 halves, loaded and stored as one vector.
template <class T>
struct alignas(16) Pack {
  static constexpr int kSize = 16 / static_cast<int>(sizeof(T));
  T v[kSize];
};

template <class T>
__device__ __forceinline__ Pack<T> load_pack(const T* p) {
  Pack<T> pack;
  *reinterpret_cast<uint4*>(&pack) = __ldg(reinterpret_cast<const uint4*>(p));
  return pack;
}

template <class T>
__device__ __forceinline__ void store_pack(T* p, const Pack<T>& pack) {
  *reinterpret_cast<uint4*>(p) = *reinterpret_cast<const uint4*>(&pack);
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Rows of `d` elements can be read as whole packs when every row starts on 16 bytes.
template <class T>
inline bool packable(std::int64_t d, const void* a, const void* b = nullptr, const void* c = nullptr) {
  auto aligned = [](const void* p) { return p == nullptr || reinterpret_cast<std::uintptr_t>(p) % 16 == 0; };
  return d % Pack<T>::kSize == 0 && aligned(a) && aligned(b) && aligned(c);
}

inline std::string error_text(cudaError_t err) { return err == cudaSuccess ? "" : cudaGetErrorString(err); }

// Makes `device` current for the scope (kernels launch on the current device) and restores
// the previous one.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    err_ = cudaGetDevice(&previous_);
    if (err_ == cudaSuccess && previous_ != device) err_ = cudaSetDevice(device);
  }
  ~DeviceScope() {
    if (err_ == cudaSuccess) cudaSetDevice(previous_);
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  std::string error() const { return error_text(err_); }

 private:
  int previous_ = 0;
  cudaError_t err_ = cudaSuccess;
};

// Calls f(T{}) with T the CUDA type of `type`.
template <class F>
auto with_element_type(ElementType type, F&& f) {
  switch (type) {
    case ElementType::f16: return f(__half{});
    case ElementType::bf16: return f(__nv_bfloat16{});
    case ElementType::f32: break;
  }
  return f(float{});
}

}  // namespace depthscope::kernels::detail
