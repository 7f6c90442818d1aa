#include "ui/variance_worker.h"

#include <chrono>
#include <exception>

#include "core/analysis/variance_at_init.h"
#include "core/error.h"
#include "core/runtime/progress.h"
#include "ui/palette.h"

namespace depthscope::ui {

void VarianceStream::push(const VariancePoint& p) {
  std::lock_guard<std::mutex> lock(mutex_);
  points_.push_back(p);
}

std::vector<VariancePoint> VarianceStream::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<VariancePoint> out;
  out.swap(points_);
  return out;
}

void VarianceWorker::run(const VarianceJob& job) {
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double n = static_cast<double>(job.schemes.size());
  try {
    for (std::size_t i = 0; i < job.schemes.size(); ++i) {
      const NormScheme scheme = job.schemes[i];
      const QString label = scheme_label(scheme);
      // Overall progress over all schemes; ETA from the whole run's elapsed time.
      const ProgressFn on_progress = [&, i, label](const Progress& p) {
        const double fraction = (static_cast<double>(i) + p.fraction()) / n;
        const double elapsed = seconds();
        const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : -1.0;
        emit progress(job.run_id, fraction, eta, label + " · " + QString::fromStdString(p.stage));
      };
      const RunControl control(on_progress, job.cancel.get());
      VarianceAtInitRequest request;
      request.layers = job.layers;
      request.width = job.width;
      request.scheme = scheme;
      variance_at_init(request, control, [&](const LayerVariance& lv) {
        stream_->push({job.run_id, scheme, static_cast<int>(lv.layer), lv.output_variance});
        emit points_ready(job.run_id);
      });
      control.check_cancel();
    }
    emit finished(job.run_id, false, seconds());
  } catch (const Cancelled&) {
    emit finished(job.run_id, true, seconds());
  } catch (const std::exception& e) {
    emit failed(job.run_id, QString::fromStdString(e.what()));
  }
}

}  // namespace depthscope::ui
