#include "ui/glance/depth_glance_panel.h"

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/analysis/variance_at_init.h"
#include "core/error.h"
#include "core/runtime/progress.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/job_list.h"
#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {

QString model_description(int layers, int width) {
  VarianceAtInitRequest r;
  r.layers = layers;
  r.width = width;
  const ModelConfig c = variance_at_init_config(r);
  return QString("Freshly initialised Llama-style model: %1 layers · d_model %2 · %3 heads · FFN %4 · "
                 "%5 parameters · %6×%7 random tokens")
      .arg(layers).arg(width).arg(c.num_heads).arg(c.intermediate_size)
      .arg(human_count(static_cast<double>(c.parameter_count())))
      .arg(r.batch).arg(r.seq_len);
}

const char* kEmptyMessage = "No curves yet.\nPress Recompute to build a fresh model and measure its residual stream.";

}  // namespace

DepthGlancePanel::DepthGlancePanel(JobList* jobs, QWidget* parent)
    : QWidget(parent), jobs_(jobs), runner_(new TaskRunner(this)) {
  // --- controls -------------------------------------------------------------
  layers_box_ = new QSpinBox;
  layers_box_->setRange(2, 512);
  layers_box_->setValue(48);
  layers_box_->setToolTip("Number of transformer blocks L in the fresh model");
  width_box_ = new QSpinBox;
  width_box_->setRange(64, 2048);
  width_box_->setSingleStep(64);
  width_box_->setValue(256);
  width_box_->setToolTip("d_model of the fresh model (one attention head per 64 channels)");
  schemes_button_ = new QToolButton;
  schemes_button_->setText("Schemes");
  schemes_button_->setObjectName("glance_schemes");
  schemes_button_->setPopupMode(QToolButton::InstantPopup);
  schemes_button_->setToolTip("Norm schemes on the chart (every placement DepthScope implements)");
  auto* schemes_menu = new QMenu(schemes_button_);
  for (NormScheme s : all_norm_schemes()) {
    QAction* a = schemes_menu->addAction(status_dot(scheme_color(s)), scheme_label(s));
    a->setObjectName(QString::fromStdString("glance_scheme_" + to_string(s)));
    a->setCheckable(true);
    a->setChecked(std::find(schemes_.begin(), schemes_.end(), s) != schemes_.end());
    connect(a, &QAction::toggled, this, [this, schemes_menu] {
      std::vector<NormScheme> chosen;
      for (QAction* x : schemes_menu->actions())
        if (x->isChecked()) chosen.push_back(parse_norm_scheme(x->objectName().mid(14).toStdString()));
      if (chosen.empty()) return;  // at least one curve
      set_schemes(chosen);
      recompute();
    });
  }
  schemes_button_->setMenu(schemes_menu);
  log_box_ = new QCheckBox("Log scale");
  log_box_->setChecked(true);
  log_box_->setToolTip("Logarithmic y axis: exponential growth shows as a straight line");
  recompute_button_ = new QPushButton("Recompute");
  recompute_button_->setDefault(true);
  recompute_button_->setObjectName("recompute");
  recompute_button_->setToolTip("Build a new random model of this size and measure every layer");
  cancel_button_ = new QPushButton("Cancel");
  cancel_button_->setEnabled(false);
  cancel_button_->setToolTip("Stop the computation; the layers computed so far stay on the chart");
  progress_bar_ = new QProgressBar;
  progress_bar_->setRange(0, 1000);
  progress_bar_->setFormat("%p%");
  progress_bar_->setMaximumWidth(260);
  progress_bar_->setMinimumWidth(160);
  status_label_ = new QLabel;
  status_label_->setMinimumWidth(200);
  status_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  status_label_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  status_label_->setStyleSheet(QString("color: %1").arg(hint_text_color().name()));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel("Layers"));
  controls->addWidget(layers_box_);
  controls->addSpacing(10);
  controls->addWidget(new QLabel("Width"));
  controls->addWidget(width_box_);
  controls->addSpacing(10);
  controls->addWidget(schemes_button_);
  controls->addWidget(log_box_);
  controls->addSpacing(10);
  controls->addWidget(recompute_button_);
  controls->addWidget(cancel_button_);
  controls->addWidget(status_label_, 1);
  controls->addWidget(progress_bar_);

  // --- chart ------------------------------------------------------------------
  chart_ = new Chart("depth-at-a-glance");
  chart_->set_title("Residual-stream variance by depth at initialisation",
                    model_description(48, 256));
  chart_->set_axis_labels("layer l", "Var(x_l+1)  residual-stream variance");
  for (NormScheme s : schemes_) graphs_[s] = chart_->add_line_series(scheme_label(s), scheme_color(s));
  chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1, layer %2\nVar(x_l+1) = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 6);
  });
  chart_->set_csv_provider([this] { return csv(); });
  chart_->set_log_y(true);
  chart_->xAxis->setRange(0.5, 48.5);
  chart_->yAxis->setRange(1e-4, 10);
  chart_->set_message(kEmptyMessage);

  summary_label_ = new QLabel;
  summary_label_->setTextFormat(Qt::RichText);
  summary_label_->setWordWrap(true);
  summary_label_->setContentsMargins(6, 2, 6, 2);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 6);
  layout->addLayout(controls);
  layout->addWidget(chart_, 1);
  layout->addWidget(summary_label_);
  update_summary();

  // --- background work: the runner only passes on the current run's signals ------------
  connect(runner_, &TaskRunner::updated, this, &DepthGlancePanel::refit);
  connect(runner_, &TaskRunner::progress, this,
          [this](int, double f, double eta, const QString& stage) { on_progress(f, eta, stage); });
  connect(runner_, &TaskRunner::finished, this,
          [this](int, bool cancelled, double seconds) { on_finished(cancelled, seconds); });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& message) { on_failed(message); });

  connect(recompute_button_, &QPushButton::clicked, this, &DepthGlancePanel::recompute);
  connect(cancel_button_, &QPushButton::clicked, this, &DepthGlancePanel::cancel);
  connect(log_box_, &QCheckBox::toggled, this, &DepthGlancePanel::set_log_y);
}

// The runner (a child) cancels and waits for its thread when it is deleted; cancelling here
// first lets the work stop while the panel's members are torn down.
DepthGlancePanel::~DepthGlancePanel() { runner_->cancel(); }

bool DepthGlancePanel::running() const { return runner_->running(); }

QCPGraph* DepthGlancePanel::graph(NormScheme s) const {
  auto it = graphs_.find(s);
  return it == graphs_.end() ? nullptr : it->second;
}

void DepthGlancePanel::set_schemes(const std::vector<NormScheme>& schemes) {
  if (runner_->running()) cancel();
  for (auto& [scheme, g] : graphs_) chart_->removeGraph(g);
  graphs_.clear();
  schemes_ = schemes;
  for (NormScheme s : schemes_) graphs_[s] = chart_->add_line_series(scheme_label(s), scheme_color(s));
  chart_->replot(QCustomPlot::rpQueuedReplot);
  update_summary();
}

void DepthGlancePanel::set_model_size(int layers, int width) {
  layers_box_->setValue(layers);
  width_box_->setValue(width);
}

void DepthGlancePanel::set_log_y(bool on) {
  if (log_box_->isChecked() != on) log_box_->setChecked(on);  // re-enters through toggled
  else chart_->set_log_y(on);
}

void DepthGlancePanel::recompute() {
  // A running computation is abandoned by start(): it stops at its next layer and nothing it
  // still sends reaches this panel.
  if (runner_->running() && jobs_) jobs_->end(job_id_, "cancelled");
  run_layers_ = layers_box_->value();
  run_width_ = width_box_->value();
  for (auto& [scheme, g] : graphs_) g->data()->clear();
  chart_->set_title("Residual-stream variance by depth at initialisation",
                    model_description(run_layers_, run_width_));
  chart_->set_message(QString());
  chart_->xAxis->setRange(0.5, run_layers_ + 0.5);
  chart_->replot(QCustomPlot::rpQueuedReplot);
  update_summary();

  const int layers = run_layers_;
  const int width = run_width_;
  const std::vector<NormScheme> schemes = schemes_;
  std::vector<std::string> labels;
  for (NormScheme s : schemes) labels.push_back(scheme_label(s).toStdString());
  const ComputeDevice device = device_;
  DepthGlancePanel* self = this;  // closures run on the GUI thread, from the panel's own runner
  const int task = runner_->start([=](const TaskContext& ctx) {
    // variance_at_init leaves the check to its caller (as the CLI's require_device does).
    if (const std::string why = device_unavailable_reason(device); !why.empty())
      throw UsageError("device " + device.name() + ": " + why);
    const double n = static_cast<double>(schemes.size());
    for (std::size_t i = 0; i < schemes.size(); ++i) {
      const NormScheme scheme = schemes[i];
      VarianceAtInitRequest request;
      request.layers = layers;
      request.width = width;
      request.scheme = scheme;
      request.device = device;
      const RunControl control = ctx.phase(double(i) / n, double(i + 1) / n, labels[i]);
      variance_at_init(request, control, [&](const LayerVariance& lv) {
        ctx.deliver([self, scheme, l = static_cast<int>(lv.layer), v = lv.output_variance] {
          self->add_point(scheme, l, v);
        });
      });
      control.check_cancel();
    }
  });
  if (jobs_) {
    TaskRunner* runner = runner_;
    job_id_ = jobs_->start(QString("Depth at a glance: %1 layers × %2").arg(run_layers_).arg(run_width_),
                           [runner, task] { runner->cancel(task); });
  }
  set_running(true);
  progress_bar_->setValue(0);
  status_label_->setText("starting…");
  QStringList names;
  for (const std::string& l : labels) names << QString::fromStdString(l);
  emit log(QString("Depth at a glance: computing %1 layers × width %2 for %3%4")
               .arg(run_layers_).arg(run_width_).arg(names.join(", "))
               .arg(device_.is_cuda() ? QString(" on %1").arg(QString::fromStdString(device_.name())) : QString()));
}

void DepthGlancePanel::cancel() {
  if (!runner_->running()) return;
  runner_->cancel();  // atomic, read by core between layers on the worker thread
  status_label_->setText("cancelling…");
}

void DepthGlancePanel::add_point(NormScheme scheme, int layer, double variance) {
  if (QCPGraph* g = graph(scheme)) g->addData(layer, variance);
}

void DepthGlancePanel::refit() {
  chart_->fit_to_data();
  chart_->xAxis->setRange(0.5, run_layers_ + 0.5);
  chart_->replot(QCustomPlot::rpQueuedReplot);
  update_summary();
}

void DepthGlancePanel::on_progress(double fraction, double eta_s, const QString& stage) {
  progress_bar_->setValue(static_cast<int>(fraction * 1000 + 0.5));
  status_label_->setText(QString("%1 · ETA %2").arg(stage, QString::fromStdString(format_duration(eta_s))));
  if (jobs_) jobs_->progress(job_id_, fraction, eta_s, stage);
}

void DepthGlancePanel::on_finished(bool cancelled, double seconds) {
  chart_->replot(QCustomPlot::rpImmediateRefresh);
  set_running(false);
  const QString took = QString::fromStdString(format_duration(seconds));
  if (cancelled) {
    status_label_->setText("Cancelled; the layers computed so far are shown. Press Recompute to run again.");
    emit log(QString("Depth at a glance: cancelled after %1").arg(took));
  } else {
    progress_bar_->setValue(1000);
    status_label_->setText(QString("Done in %1 (%2 s)").arg(took).arg(seconds, 0, 'f', 1));
    emit log(QString("Depth at a glance: done in %1 s").arg(seconds, 0, 'f', 2));
  }
  if (jobs_) jobs_->end(job_id_, cancelled ? "cancelled" : "finished");
  emit finished(cancelled);
}

void DepthGlancePanel::on_failed(const QString& message) {
  set_running(false);
  chart_->set_message(QString("Could not compute the curves:\n%1\n\nChange the layer count or width and press Recompute.")
                          .arg(message));
  status_label_->setText("Failed — see the message on the chart.");
  emit log("Depth at a glance failed: " + message);
  if (jobs_) jobs_->end(job_id_, "failed: " + message);
  emit failed(message);
}

void DepthGlancePanel::set_running(bool on) {
  cancel_button_->setEnabled(on);
  recompute_button_->setEnabled(!on);
  layers_box_->setEnabled(!on);
  width_box_->setEnabled(!on);
}

CsvTable DepthGlancePanel::csv() const {
  CsvTable t;
  t.header << "layer";
  for (NormScheme s : schemes_) t.header << scheme_label(s);
  int layers = 0;
  for (NormScheme s : schemes_) {
    const auto data = graph(s)->data();
    if (!data->isEmpty()) layers = std::max(layers, static_cast<int>((data->constEnd() - 1)->key));
  }
  for (int l = 1; l <= layers; ++l) {
    QStringList row{QString::number(l)};
    for (NormScheme s : schemes_) {
      const auto data = graph(s)->data();
      auto it = data->findBegin(l, false);
      row << ((it != data->constEnd() && it->key == l) ? QString::number(it->value, 'g', 9) : QString());
    }
    t.rows << row;
  }
  return t;
}

void DepthGlancePanel::update_summary() {
  QStringList parts;
  for (NormScheme s : schemes_) {
    const auto data = graph(s)->data();
    if (data->isEmpty()) continue;
    const double first = data->constBegin()->value;
    const auto last_it = data->constEnd() - 1;
    const double growth = first > 0 ? last_it->value / first : 0.0;
    parts << QString("<span style='color:%1; font-size:14pt'>&#9679;</span> <b>%2</b> &nbsp;Var after layer %3 = %4"
                     " &nbsp;(×%5 from layer 1)")
                 .arg(scheme_color(s).name(), scheme_label(s).toHtmlEscaped())
                 .arg(static_cast<int>(last_it->key))
                 .arg(last_it->value, 0, 'g', 4)
                 .arg(growth, 0, 'f', growth < 10 ? 2 : 0);
  }
  const QString explain = QString(
      "<span style='color:%1'>Pre-LN: x<sub>l+1</sub> = x<sub>l</sub> + F(LN(x<sub>l</sub>)) — the variance grows with depth, "
      "so deep blocks barely change the stream. LNS scales each LayerNorm output by 1/&radic;l and keeps the growth in check. "
      "Hover a point for its value; right-click the chart to export.</span>").arg(hint_text_color().name());
  summary_label_->setText((parts.isEmpty() ? QString() : parts.join("&nbsp;&nbsp;&nbsp;&nbsp;") + "<br>") + explain);
}

}  // namespace depthscope::ui
