#pragma once
// A run's train/loss rows by step, read from its run database (tests of training and resume).
#include <cstdint>
#include <map>
#include <string>

#include "core/store/metric_reader.h"
#include "core/store/run_db.h"

namespace depthscope::test {

inline std::map<std::int64_t, double> train_losses(const std::string& db_path, std::int64_t run) {
  store::RunDb db(db_path);
  std::map<std::int64_t, double> m;
  for (const store::MetricRow& r : store::run_metrics(db, run))
    if (r.key == "train/loss") m[r.step] = r.value;
  return m;
}

}  // namespace depthscope::test
