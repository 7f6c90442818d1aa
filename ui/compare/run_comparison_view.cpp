#include "ui/compare/run_comparison_view.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <QHBoxLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "ui/compare/compare_item.h"
#include "ui/compare/section_heading.h"
#include "ui/shared/chart.h"
#include "ui/shared/crosshair.h"
#include "ui/shared/linked_axes.h"
#include "ui/shared/palette.h"
#include "ui/shared/seed_band.h"
#include "ui/shared/wheel_policy.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {

// Every point of every curve of a step chart: item, step, value.
CsvTable step_csv(const Chart* chart, const QString& column) {
  CsvTable t{{"item", "step", column}, {}};
  for (int i = 0; i < chart->graphCount(); ++i)
    for (auto it = chart->graph(i)->data()->constBegin(); it != chart->graph(i)->data()->constEnd(); ++it)
      t.rows << QStringList{chart->graph(i)->name(), QString::number(qint64(it->key)), store_number(it->value)};
  return t;
}

}  // namespace

RunComparisonView::RunComparisonView(QWidget* parent)
    : QWidget(parent), crosshair_(new Crosshair(this)), links_(new LinkedAxes(this)) {
  loss_chart_ = new Chart("compare-train-loss");
  loss_chart_->set_title("Training loss", "train/loss per step · shared step axis");
  loss_chart_->set_axis_labels("step", "loss  [nats]");
  ppl_chart_ = new Chart("compare-val-ppl");
  ppl_chart_->set_title("Validation perplexity", "val/ppl at each evaluation");
  ppl_chart_->set_axis_labels("step", "perplexity");
  variance_chart_ = new Chart("compare-residual-variance");
  variance_chart_->set_title("Residual variance by layer", "residual_variance at each run's last layer step");
  variance_chart_->set_axis_labels("layer l", "Var(x_l+1)");
  variance_chart_->set_integer_x();
  variance_chart_->set_log_y(true);
  variance_chart_->set_tooltip([](const QString& series, double l, double v) {
    return QString("%1\nlayer %2 output: Var = %3").arg(series).arg(int(l)).arg(QString::number(v, 'g', 6));
  });
  for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_}) {
    c->setMinimumHeight(300);
    WheelPolicy::install(c);  // the wheel scrolls the page; Ctrl+wheel zooms, within the data
  }
  // Curves fall from the top left: the legend goes top right, the crosshair label follows the mouse.
  for (Chart* c : {loss_chart_, ppl_chart_}) c->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  // Double-click resets the whole row (Chart's own handler fits one chart first).
  for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_})
    connect(c, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { refit(); });
  loss_chart_->setToolTip("");
  loss_chart_->set_csv_provider([this] { return step_csv(loss_chart_, "train_loss"); });
  ppl_chart_->set_csv_provider([this] { return step_csv(ppl_chart_, "val_ppl"); });
  variance_chart_->set_csv_provider([this] {
    CsvTable t{{"item", "layer", "residual_variance"}, {}};
    for (int i = 0; i < variance_chart_->graphCount(); ++i) {
      const QCPGraph* g = variance_chart_->graph(i);
      for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        t.rows << QStringList{g->name(), QString::number(int(it->key)), store_number(it->value)};
    }
    return t;
  });

  // Crosshair on both step charts at the same step; linked zoom and pan of their step axis.
  crosshair_->add_chart(loss_chart_, "train/loss", "loss");
  crosshair_->add_chart(ppl_chart_, "val/ppl", "val PPL");
  links_->link({loss_chart_->xAxis, ppl_chart_->xAxis});
  crosshair_->set_filter([](const QCPGraph* g) { return !is_band_edge(g); });
  // A click (press and release without a drag) inside a band shows or hides its single runs.
  for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_})
    on_band_click(c, this, [this](const QString& group) { toggle_single_runs(group); });

  readout_ = new QLabel;
  readout_->setObjectName("crosshair_readout");
  readout_->setWordWrap(true);
  readout_->setTextFormat(Qt::PlainText);
  readout_->setStyleSheet(QString("color: %1; font-family: monospace; padding: 2px 4px;").arg(chart_text_color().name()));
  readout_->setToolTip("Every curve read at the crosshair (move the mouse over a training chart; "
                       "drag to pan, wheel to zoom both, double-click to reset). Seeds of one experiment and "
                       "scheme are one mean curve with a ±1 sd band: click the band to show its single runs");
  readout_->setText("Move the mouse over a training chart to read every curve at that step.");
  connect(crosshair_, &Crosshair::moved, readout_, &QLabel::setText);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(section_heading("Runs · training curves on one step axis (zoom and pan are linked)"));
  auto* row = new QHBoxLayout;
  row->addWidget(loss_chart_, 5);
  row->addWidget(ppl_chart_, 5);
  row->addWidget(variance_chart_, 4);
  layout->addLayout(row);
  layout->addWidget(readout_);
}

void RunComparisonView::draw(const std::vector<CompareItem*>& compared, bool runs_ticked, bool loading) {
  compared_ = compared;
  runs_ticked_ = runs_ticked;
  loading_ = loading;
  draw_runs();
}

void RunComparisonView::toggle_single_runs(const QString& group) {
  if (!expanded_.erase(group)) expanded_.insert(group);
  draw_runs();
}

void RunComparisonView::draw_runs() {
  for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_}) c->clearGraphs();
  // The seeds of one experiment and scheme: one group, drawn as a band when it has two runs.
  std::map<QString, std::vector<const CompareItem*>> groups;
  std::vector<QString> order;
  for (const CompareItem* item : compared_) {
    if (item->kind != CompareItem::run || !item->has_data) continue;
    const QString key = QString("%1/%2").arg(item->experiment).arg(item->scheme_text());
    if (groups[key].empty()) order.push_back(key);
    groups[key].push_back(item);
  }
  bool any_loss = false, any_ppl = false, any_var = false;
  for (const QString& key : order) {
    const std::vector<const CompareItem*>& runs = groups[key];
    const bool band = runs.size() >= 2;
    if (band) {
      const CompareItem* first = runs.front();
      // "#3 seeds/pre/seed-2" -> "seeds/pre": the run name without its id and seed.
      QString name = first->label;
      name.remove(QRegularExpression("^#\\d+ ")).remove(QRegularExpression("/seed-\\d+$"));
      std::vector<std::pair<QVector<double>, QVector<double>>> loss, ppl, var;
      for (const CompareItem* r : runs) {
        loss.emplace_back(r->loss_steps, r->loss_values);
        ppl.emplace_back(r->ppl_steps, r->ppl_values);
        QVector<double> layers, values;
        for (std::size_t l = 0; l < r->layer_variance.size(); ++l) {
          layers << double(l + 1);
          values << r->layer_variance[l];
        }
        var.emplace_back(layers, values);
      }
      const SeedBand loss_band = seed_band(loss), ppl_band = seed_band(ppl), var_band = seed_band(var);
      if (!loss_band.steps.isEmpty()) draw_seed_band(loss_chart_, loss_band, name, first->color, key), any_loss = true;
      if (!ppl_band.steps.isEmpty()) draw_seed_band(ppl_chart_, ppl_band, name, first->color, key), any_ppl = true;
      if (!var_band.steps.isEmpty()) draw_seed_band(variance_chart_, var_band, name, first->color, key), any_var = true;
      if (!shows_single_runs(key)) continue;
    }
    for (const CompareItem* item : runs) {
      const auto style = [&](QCPGraph* g, int points) {
        QPen pen = g->pen();
        pen.setStyle(band ? Qt::SolidLine : item->style);
        if (band) pen.setWidthF(0.9);  // the single runs behind a band: thin
        g->setPen(pen);
        if (points > 60 || band) g->setScatterStyle(QCPScatterStyle::ssNone);
      };
      if (!item->loss_steps.isEmpty()) {
        QCPGraph* g = loss_chart_->add_line_series(item->label, item->color);
        g->setData(item->loss_steps, item->loss_values, true);
        style(g, item->loss_steps.size());
        any_loss = true;
      }
      if (!item->ppl_steps.isEmpty()) {
        QCPGraph* g = ppl_chart_->add_line_series(item->label, item->color);
        g->setData(item->ppl_steps, item->ppl_values, true);
        style(g, item->ppl_steps.size());
        any_ppl = true;
      }
      if (!item->layer_variance.empty()) {
        QCPGraph* g = variance_chart_->add_line_series(
            QString("%1 (step %2)").arg(item->label).arg(item->layer_step.value_or(0)), item->color);
        for (std::size_t l = 0; l < item->layer_variance.size(); ++l)
          if (!std::isnan(item->layer_variance[l])) g->addData(double(l + 1), item->layer_variance[l]);
        style(g, 0);
        any_var = true;
      }
    }
  }
  const QString waiting = loading_ ? "Reading the run database…" : QString();
  const auto message = [&](bool any, const QString& none) {
    return any ? QString() : (runs_ticked_ ? (waiting.isEmpty() ? none : waiting) : QString("Tick runs to compare"));
  };
  loss_chart_->set_message(message(any_loss, "No train/loss rows yet"));
  ppl_chart_->set_message(message(any_ppl, "No evaluation yet (val/ppl)"));
  variance_chart_->set_message(message(any_var, "No layer metrics yet"));
  refit();
  crosshair_->refresh();
}

void RunComparisonView::refit() {
  {
    const LinkedAxes::Pause pause(links_);
    for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_}) c->fit_to_data();
    // One step range for both step charts: the union of every curve's steps.
    double lo = std::numeric_limits<double>::max(), hi = -lo;
    for (Chart* c : {loss_chart_, ppl_chart_})
      for (int i = 0; i < c->graphCount(); ++i) {
        bool found = false;
        const QCPRange r = c->graph(i)->getKeyRange(found);
        if (found) {
          lo = std::min(lo, r.lower);
          hi = std::max(hi, r.upper);
        }
      }
    if (lo <= hi) {
      const double pad = std::max(0.5, 0.02 * (hi - lo));
      for (Chart* c : {loss_chart_, ppl_chart_}) set_range_quietly(c->xAxis, QCPRange(lo - pad, hi + pad));
    }
  }
  for (Chart* c : {loss_chart_, ppl_chart_, variance_chart_}) c->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace depthscope::ui
