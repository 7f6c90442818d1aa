#pragma once
// The core removal sweep a GUI test compares its removal charts with: the session's evaluation
// set of `tokens` tokens in windows of `n_ctx` (as the panels build it) and a multiple-choice
// file scored with each layer removed.
#include <QString>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/session/model_session.h"

namespace depthscope::test {

inline LayerRemovalSweep reference_removal(const ModelSession& session, const QString& choices, std::int64_t tokens,
                                           std::int64_t n_ctx) {
  EvalSetOptions eo;
  eo.max_tokens = tokens;
  eo.n_ctx = n_ctx;
  const EvalSet set = session.evaluation_set("", eo);
  RemovalOptions ro;
  ro.windows = set.windows;
  ro.choices = session.multiple_choice_set(choices.toStdString());
  return layer_removal_sweep(session.model(), set.tokens, ro);
}

}  // namespace depthscope::test
