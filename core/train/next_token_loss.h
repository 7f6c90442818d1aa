#pragma once
// The training loss: mean next-token cross-entropy, as at::cross_entropy_loss computes it, but
// in two passes over the [N, V] logits instead of eight. On the CPU (float32/float64) the
// forward keeps only each row's log-sum-exp; the backward writes the logits' gradient
// (softmax - one-hot, weighted) in one pass, row blocks in cache, spread over the tensor
// threads. With a vocabulary of 32000 the logits of 4 x 256 tokens are 131 MB, and
// log_softmax, its output, the zero-filled NLL gradient and log_softmax's backward each walk
// (and page-fault) them once more.
#include <ATen/core/Tensor.h>

namespace depthscope {

// logits [N, V] (float), targets [N] int64 in [0, V). Without a mask: the mean over the N rows
// of logsumexp(logits_i) - logits_i[target_i]. With mask [N] (float weights, 0 or 1 for
// response-only fine-tuning): sum(nll * mask) / max(sum(mask), 1). A 0-dim tensor,
// differentiable in logits.
at::Tensor next_token_loss(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& mask = {});

// The same from at::cross_entropy_loss (any device and dtype): the definition it is tested against.
at::Tensor next_token_loss_reference(const at::Tensor& logits, const at::Tensor& targets,
                                     const at::Tensor& mask = {});

}  // namespace depthscope
