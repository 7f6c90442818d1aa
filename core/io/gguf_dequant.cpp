#include "core/io/gguf_dequant.h"

#include <cstring>

#include "core/error.h"

namespace depthscope {

namespace {

constexpr int kQK = 32;    // QK4_0 = QK4_1 = QK5_0 = QK5_1 = QK8_0
constexpr int kQKK = 256;  // QK_K

std::uint16_t u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
float half(const std::uint8_t* p) { return fp16_to_fp32(u16(p)); }

// block_q8_0 { half d; int8 qs[32]; }
void q8_0(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 34, y += kQK) {
    const float d = half(x);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<std::int8_t>(x[2 + j]) * d;
  }
}

// block_q4_0 { half d; uint8 qs[16]; }: low nibbles are elements 0..15, high 16..31.
void q4_0(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 18, y += kQK) {
    const float d = half(x);
    const std::uint8_t* qs = x + 2;
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = (qs[j] & 0x0F) - 8;
      const int x1 = (qs[j] >> 4) - 8;
      y[j] = x0 * d;
      y[j + kQK / 2] = x1 * d;
    }
  }
}

// block_q4_1 { half d; half m; uint8 qs[16]; }
void q4_1(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 20, y += kQK) {
    const float d = half(x), m = half(x + 2);
    const std::uint8_t* qs = x + 4;
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = qs[j] & 0x0F;
      const int x1 = qs[j] >> 4;
      y[j] = x0 * d + m;
      y[j + kQK / 2] = x1 * d + m;
    }
  }
}

// block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }: bit j of qh is the fifth bit of element j.
void q5_0(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 22, y += kQK) {
    const float d = half(x);
    std::uint32_t qh;
    std::memcpy(&qh, x + 2, 4);
    const std::uint8_t* qs = x + 6;
    for (int j = 0; j < kQK / 2; ++j) {
      const std::uint8_t xh_0 = static_cast<std::uint8_t>(((qh >> (j + 0)) << 4) & 0x10);
      const std::uint8_t xh_1 = static_cast<std::uint8_t>((qh >> (j + 12)) & 0x10);
      const std::int32_t x0 = ((qs[j] & 0x0F) | xh_0) - 16;
      const std::int32_t x1 = ((qs[j] >> 4) | xh_1) - 16;
      y[j] = x0 * d;
      y[j + kQK / 2] = x1 * d;
    }
  }
}

// block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; }
void q5_1(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 24, y += kQK) {
    const float d = half(x), m = half(x + 2);
    std::uint32_t qh;
    std::memcpy(&qh, x + 4, 4);
    const std::uint8_t* qs = x + 8;
    for (int j = 0; j < kQK / 2; ++j) {
      const std::uint8_t xh_0 = static_cast<std::uint8_t>(((qh >> (j + 0)) << 4) & 0x10);
      const std::uint8_t xh_1 = static_cast<std::uint8_t>((qh >> (j + 12)) & 0x10);
      const int x0 = (qs[j] & 0x0F) | xh_0;
      const int x1 = (qs[j] >> 4) | xh_1;
      y[j] = x0 * d + m;
      y[j + kQK / 2] = x1 * d + m;
    }
  }
}

// The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes of a Q4_K/Q5_K block.
void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t* d, std::uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }: 8 sub-blocks of 32,
// y = d * scale * q - dmin * min.
void q4_k(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 144) {
    const float d = half(x), min = half(x + 2);
    const std::uint8_t* scales = x + 4;
    const std::uint8_t* q = x + 16;
    int is = 0;
    std::uint8_t sc, m;
    for (int j = 0; j < kQKK; j += 64) {
      get_scale_min_k4(is + 0, scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
      q += 32;
      is += 2;
    }
  }
}

// block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
void q5_k(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 176) {
    const float d = half(x), min = half(x + 2);
    const std::uint8_t* scales = x + 4;
    const std::uint8_t* qh = x + 16;
    const std::uint8_t* ql = x + 48;
    int is = 0;
    std::uint8_t sc, m;
    std::uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < kQKK; j += 64) {
      get_scale_min_k4(is + 0, scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      ql += 32;
      is += 2;
      u1 = static_cast<std::uint8_t>(u1 << 2);
      u2 = static_cast<std::uint8_t>(u2 << 2);
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: 16 sub-blocks of 16,
// y = d * scale * (q - 32) with 6-bit q.
void q6_k(const std::uint8_t* x, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 210) {
    const float d = half(x + 208);
    const std::uint8_t* ql = x;
    const std::uint8_t* qh = x + 128;
    const std::int8_t* sc = reinterpret_cast<const std::int8_t*>(x + 192);
    for (int n = 0; n < kQKK; n += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const auto q1 = static_cast<std::int8_t>(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        const auto q2 = static_cast<std::int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        const auto q3 = static_cast<std::int8_t>(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        const auto q4 = static_cast<std::int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        y[l + 0] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

}  // namespace

float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1F;
  std::uint32_t mant = h & 0x3FF;
  std::uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // Inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    int e = 113;  // subnormal: normalise the mantissa
    while ((mant & 0x400) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (static_cast<std::uint32_t>(e) << 23) | ((mant & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_fp32(std::uint16_t h) {
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

bool can_dequantize(GgmlType t) {
  switch (t) {
    case GgmlType::f32: case GgmlType::f16: case GgmlType::bf16: case GgmlType::q8_0: case GgmlType::q4_0:
    case GgmlType::q4_1: case GgmlType::q5_0: case GgmlType::q5_1: case GgmlType::q4_k: case GgmlType::q5_k:
    case GgmlType::q6_k:
      return true;
    default:
      return false;
  }
}

std::string dequantizable_types() { return "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K"; }

void dequantize_row(GgmlType t, const std::uint8_t* src, float* dst, std::int64_t n) {
  const std::int64_t block = ggml_type_info(static_cast<std::uint32_t>(t)).block_elements;
  const std::int64_t nb = block > 0 ? n / block : 0;
  switch (t) {
    case GgmlType::f32: std::memcpy(dst, src, static_cast<std::size_t>(n) * 4); return;
    case GgmlType::f16:
      for (std::int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(u16(src + 2 * i));
      return;
    case GgmlType::bf16:
      for (std::int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(u16(src + 2 * i));
      return;
    case GgmlType::q8_0: return q8_0(src, dst, nb);
    case GgmlType::q4_0: return q4_0(src, dst, nb);
    case GgmlType::q4_1: return q4_1(src, dst, nb);
    case GgmlType::q5_0: return q5_0(src, dst, nb);
    case GgmlType::q5_1: return q5_1(src, dst, nb);
    case GgmlType::q4_k: return q4_k(src, dst, nb);
    case GgmlType::q5_k: return q5_k(src, dst, nb);
    case GgmlType::q6_k: return q6_k(src, dst, nb);
    default:
      throw UsageError("cannot dequantise ggml type " + ggml_type_label(t) + " (supported: " + dequantizable_types() + ")");
  }
}

}  // namespace depthscope
