#pragma once
// Model FLOPs utilisation (MFU) of training: the FLOPs a step needs by the model's shape, per
// second, against the device's peak dense bf16 tensor throughput. Torch-free.
//
// FLOPs per trained token (PaLM, Chowdhery et al. 2022, appendix B):
//   6 N + 12 L H hd T
// 6 N: forward (2 N) and backward (4 N) of every weight that multiplies activations: all
// parameters except a token-embedding table that is only looked up (an untied Llama's
// embedding; a tied embedding is the LM head and counts); learned positions are looked up too.
// 12 L H hd T: the attention scores q k^T and their use p v (2 * 2 T H hd per token and layer
// forward, x3 with backward), counted over the whole T x T square as PaLM and nanoGPT do.
#include <cstdint>

#include "core/model/config.h"
#include "core/runtime/device_peaks.h"  // peak_bf16_flops: the denominator

namespace depthscope {

// N of the formula above.
std::int64_t matmul_parameter_count(const ModelConfig& config);

// 6 N + 12 L H hd T for sequences of `seq` tokens.
double training_flops_per_token(const ModelConfig& config, std::int64_t seq);

// tokens_per_s * flops_per_token / peak, a fraction (0.35 = 35 %).
double model_flops_utilization(double tokens_per_s, double flops_per_token, double peak_flops_per_s);

}  // namespace depthscope
