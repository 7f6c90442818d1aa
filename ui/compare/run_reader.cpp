#include "ui/compare/run_reader.h"

#include <limits>

#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "ui/compare/compare_item.h"
#include "ui/shared/background_task.h"

namespace depthscope::ui {

void apply_curves(CompareItem* item, const RunCurves& d) {
  item->has_data = true;
  item->loss_steps = QVector<double>(d.loss_steps.begin(), d.loss_steps.end());
  item->loss_values = QVector<double>(d.loss_values.begin(), d.loss_values.end());
  item->ppl_steps = QVector<double>(d.ppl_steps.begin(), d.ppl_steps.end());
  item->ppl_values = QVector<double>(d.ppl_values.begin(), d.ppl_values.end());
  item->layer_step = d.layer_step;
  item->layer_variance = d.layer_variance;
  const store::RunSummary& s = d.summary;
  item->summary = s;
  item->step = s.step;
  item->steps = s.steps;
  item->status = QString::fromStdString(std::string(store::to_string(s.status)));
  item->final_ppl = s.final_val_ppl;
  item->ppl_source = s.val_ppl_step ? QString("val set, step %1").arg(*s.val_ppl_step) : QString();
  item->var_ratio = s.residual_variance_ratio;
  item->near_identity = s.near_identity_layers;
  item->deep_removal.reset();
  item->layers = s.layers;
}

RunReader::RunReader(QObject* parent) : QObject(parent), runner_(new TaskRunner(this)) {
  connect(runner_, &TaskRunner::finished, this, [this](int, bool, double) {
    busy_ = false;
    emit finished();
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& message) {
    busy_ = false;
    emit failed(message);
  });
}

RunReader::~RunReader() { runner_->abandon(); }

std::vector<store::RunRecord> RunReader::list_runs(const QString& db) {
  store::RunDb rdb(db.toStdString());
  return rdb.list_runs();
}

void RunReader::abandon() {
  runner_->abandon();
  busy_ = false;
}

void RunReader::read(const QString& db, const std::vector<std::int64_t>& ids) {
  if (db.isEmpty() || ids.empty()) {
    abandon();
    return;
  }
  const std::string path = db.toStdString();
  RunReader* self = this;  // closures run on the GUI thread, from the reader's own runner
  busy_ = true;
  runner_->start([=](const TaskContext& ctx) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    store::StoreOptions options;
    options.reap_on_open = false;
    store::RunDb rdb(path, options);
    std::vector<RunCurves> out;
    for (std::int64_t id : ids) {
      if (ctx.cancelled()) return;
      RunCurves d;
      d.id = id;
      d.summary = store::summarize_run(rdb, id);
      for (const store::MetricRow& m : store::run_metrics(rdb, id)) {
        if (m.key == "train/loss") {
          d.loss_steps.push_back(double(m.step));
          d.loss_values.push_back(m.value);
        } else if (m.key == "val/ppl") {
          d.ppl_steps.push_back(double(m.step));
          d.ppl_values.push_back(m.value);
        }
      }
      if (d.summary.layer_step) {
        d.layer_step = d.summary.layer_step;
        for (const store::LayerMetricRow& m : store::run_layer_metrics(rdb, id)) {
          if (m.key != "residual_variance" || m.step != *d.layer_step || m.layer < 1) continue;
          if (static_cast<std::size_t>(m.layer) > d.layer_variance.size()) d.layer_variance.resize(m.layer, kNaN);
          d.layer_variance[m.layer - 1] = m.value;
        }
      }
      out.push_back(std::move(d));
    }
    ctx.deliver([self, out] { emit self->read_done(out); });
  });
}

}  // namespace depthscope::ui
