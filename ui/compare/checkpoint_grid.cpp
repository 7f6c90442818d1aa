#include "ui/compare/checkpoint_grid.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QGridLayout>
#include <QVBoxLayout>

#include "ui/compare/compare_item.h"
#include "ui/compare/section_heading.h"
#include "ui/shared/chart.h"
#include "ui/shared/linked_axes.h"
#include "ui/shared/palette.h"
#include "ui/shared/wheel_policy.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString num(double v, int digits = 6) { return QString::number(v, 'g', digits); }

}  // namespace

CheckpointGrid::CheckpointGrid(QWidget* parent) : QWidget(parent), links_(new LinkedAxes(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(section_heading("Checkpoints · the Inspect analyses side by side (shared axes and colour range)"));
  grid_ = new QGridLayout;
  grid_->setSpacing(8);
  layout->addLayout(grid_);
}

void CheckpointGrid::clear() {
  links_->clear();
  for (Column& c : columns_)
    for (Chart* chart : {c.variance_chart, c.angular_chart, c.removal_chart}) delete chart;
  columns_.clear();
}

void CheckpointGrid::forget(const CompareItem* item) {
  for (auto it = columns_.begin(); it != columns_.end(); ++it)
    if (it->item == item) {
      for (Chart* chart : {it->variance_chart, it->angular_chart, it->removal_chart}) delete chart;
      columns_.erase(it);
      return;
    }
}

CheckpointGrid::Column CheckpointGrid::make_column(const CompareItem* item) {
  Column c;
  c.item = item;
  const QString stem = QString(item->label).replace('/', '-');
  c.variance_chart = new Chart("variance-by-depth-" + stem);
  c.variance_chart->set_axis_labels("layer l", "Var(x_l+1)");  // narrow columns: the subtitle says what it is
  c.variance_chart->set_integer_x();
  c.variance_chart->set_log_y(log_y_);
  c.variance_chart->set_tooltip([label = item->label](const QString&, double l, double v) {
    return QString("%1\nlayer %2 output: Var = %3").arg(label).arg(int(l)).arg(num(v));
  });
  c.variance_chart->set_csv_provider([item] {
    CsvTable t{{"layer", "output_variance"}, {}};
    for (std::size_t l = 0; l < item->variance.size(); ++l)
      if (!std::isnan(item->variance[l])) t.rows << QStringList{QString::number(l + 1), store_number(item->variance[l])};
    return t;
  });

  c.angular_chart = new Chart("angular-distance-" + stem);
  c.angular_chart->set_axis_labels("layer l", "distance n");
  c.angular_chart->legend->setVisible(false);
  c.angular_map = new QCPColorMap(c.angular_chart->xAxis, c.angular_chart->yAxis);
  c.angular_map->setName("d(l, l+n)");
  c.angular_map->setInterpolate(false);
  c.angular_scale = attach_colour_scale(c.angular_chart, c.angular_map, "d(l, l+n)", viridis_gradient(), 10);
  c.angular_chart->set_cell_tooltip([label = item->label](double l, double n, double d) {
    return QString("%1\nd(%2, %3) = %4").arg(label).arg(int(l)).arg(int(l + n)).arg(num(d, 4));
  });
  c.angular_chart->set_csv_provider([item] {
    CsvTable t{{"l", "n", "angular_distance"}, {}};
    for (std::size_t k = 0; k < item->angular.size(); ++k)
      for (std::size_t n = 0; n < item->angular[k].size(); ++n)
        if (!std::isnan(item->angular[k][n]))
          t.rows << QStringList{QString::number(k + 1), QString::number(n + 1), store_number(item->angular[k][n])};
    return t;
  });
  {
    QSharedPointer<QCPAxisTickerFixed> n_ticks(new QCPAxisTickerFixed);
    n_ticks->setTickStep(1.0);
    n_ticks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    c.angular_chart->yAxis->setTicker(n_ticks);
    c.angular_chart->set_integer_x();
  }

  c.removal_chart = new Chart("layer-removal-" + stem);
  c.removal_chart->set_axis_labels("removed layer l", "ΔPPL");
  c.removal_chart->set_integer_x();
  c.removal_chart->legend->setVisible(false);
  c.deep_band = new QCPItemRect(c.removal_chart);
  c.deep_band->setLayer("grid");
  c.deep_band->setPen(Qt::NoPen);
  c.deep_band->setBrush(QColor(0x26, 0x2B, 0x33, 16));
  for (QCPItemPosition* p : {c.deep_band->topLeft, c.deep_band->bottomRight}) {
    p->setTypeX(QCPItemPosition::ptPlotCoords);
    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  c.deep_label = new QCPItemText(c.removal_chart);
  c.deep_label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  c.deep_label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  c.deep_label->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
  c.deep_label->setColor(hint_text_color());
  {
    QFont f = c.deep_label->font();
    f.setPointSizeF(8.5);
    c.deep_label->setFont(f);
  }
  c.removal = std::make_shared<RemovalBars>(c.removal_chart);  // bars, error bars, tooltip
  for (Chart* chart : {c.variance_chart, c.angular_chart, c.removal_chart}) chart->set_source(item->path);
  c.removal_chart->set_csv_provider([bars = c.removal] { return bars->csv(); });
  for (Chart* chart : {c.variance_chart, c.angular_chart, c.removal_chart}) {
    chart->setMinimumHeight(270);
    WheelPolicy::install(chart);  // the wheel scrolls the page; Ctrl+wheel zooms, within the data
    connect(chart, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { refit(); });
  }
  return c;
}

void CheckpointGrid::rebuild(const std::vector<CompareItem*>& compared) {
  clear();
  int column = 0;
  for (const CompareItem* item : compared) {
    if (item->kind != CompareItem::checkpoint) continue;
    columns_.push_back(make_column(item));
    const Column& c = columns_.back();
    grid_->addWidget(c.variance_chart, 0, column);
    grid_->addWidget(c.angular_chart, 1, column);
    grid_->addWidget(c.removal_chart, 2, column);
    grid_->setColumnStretch(column, 1);
    ++column;
    draw(item);
  }
  for (int c = column; c < grid_->columnCount(); ++c) grid_->setColumnStretch(c, 0);
  // Linked zoom and pan within each row of side-by-side charts.
  const auto axes = [](const QList<Chart*>& charts, bool x) {
    QList<QCPAxis*> out;
    for (Chart* c : charts) out << (x ? c->xAxis : c->yAxis);
    return out;
  };
  for (const QList<Chart*>& row : {variance_charts(), angular_charts(), removal_charts()}) {
    links_->link(axes(row, true));
    links_->link(axes(row, false));
  }
  refit();
}

void CheckpointGrid::draw(const CompareItem* item) {
  auto col = std::find_if(columns_.begin(), columns_.end(), [&](const Column& c) { return c.item == item; });
  if (col == columns_.end()) return;
  Column& c = *col;
  const QString scheme = item->scheme_text();
  const int L = item->layers;
  c.variance_chart->set_title(QString("%1 · variance by depth").arg(item->label),
                              QString("%1 · residual stream after each layer").arg(scheme));
  c.angular_chart->set_title(QString("%1 · angular distance").arg(item->label),
                             QString("%1 · d(l, l+n) = arccos(cos)/π; < 0.2 nearly the identity").arg(scheme));
  const QString what = removal_metric_name(metric_);
  c.removal_chart->set_title(
      QString("%1 · removal impact").arg(item->label),
      item->baseline_ppl > 0 && metric_ == RemovalBars::Metric::ppl
          ? QString("%1 · ΔPPL when one layer is bypassed · full PPL %2").arg(scheme, num(item->baseline_ppl, 5))
          : QString("%1 · %2 when one layer is bypassed").arg(scheme, what));

  c.variance_chart->clearGraphs();
  c.variance_graph = c.variance_chart->add_line_series(scheme, item->color);
  {
    QPen pen = c.variance_graph->pen();
    pen.setStyle(item->style);
    c.variance_graph->setPen(pen);
  }
  for (std::size_t l = 0; l < item->variance.size(); ++l)
    if (!std::isnan(item->variance[l])) c.variance_graph->addData(double(l + 1), item->variance[l]);

  const int n = std::max(1, L);
  c.angular_map->data()->setSize(n, n);
  c.angular_map->data()->setRange(QCPRange(1, n), QCPRange(1, n));
  for (int k = 0; k < n; ++k)
    for (int m = 0; m < n; ++m)
      c.angular_map->data()->setCell(
          k, m, (k < int(item->angular.size()) && m < int(item->angular[k].size())) ? item->angular[k][m] : kNaN);

  c.removal->reset(item->color);
  c.removal->set_metric(metric_);
  const bool accuracy = metric_ != RemovalBars::Metric::ppl;
  for (const LayerRemovalEntry& e : item->removal_entries)
    if (!accuracy || !std::isnan(e.score.accuracy)) c.removal->add(e);
  if (L >= 2) {
    c.deep_band->topLeft->setCoords(item->deep_first() - 0.5, 0);
    c.deep_band->bottomRight->setCoords(L + 0.5, 1);
    c.deep_label->position->setCoords(0.5 * (item->deep_first() - 0.5 + L + 0.5), 0.02);
    c.deep_label->setText(item->deep_removal ? QString("deepest half · mean ΔPPL %1").arg(num(*item->deep_removal, 4))
                                             : QString("deepest half"));
  }
  c.deep_band->setVisible(L >= 2);
  c.deep_label->setVisible(L >= 2 && !accuracy);

  QString message;
  if (!item->error.isEmpty()) {
    message = "Could not analyse this checkpoint:\n" + item->error;
  } else if (L == 0) {
    message = "Loading the checkpoint…";
  }
  c.variance_chart->set_message(message.isEmpty() && c.variance_graph->dataCount() == 0 ? "Computing…" : message);
  c.angular_chart->set_message(message.isEmpty() && c.variance_graph->dataCount() == 0 ? "Computing…" : message);
  const bool no_choices = accuracy && c.removal->bars()->dataCount() == 0 && !item->removal_entries.empty();
  c.removal_chart->set_message(no_choices ? "Analysed without a multiple-choice set:\nadd it again after Choices…"
                               : message.isEmpty() && c.removal->bars()->dataCount() == 0 ? "Waiting for the statistics…"
                                                                                          : message);
}

void CheckpointGrid::refit() {
  const LinkedAxes::Pause pause(links_);
  int L = 1;
  for (const Column& c : columns_) L = std::max(L, c.item->layers);
  // Shared axes: every chart of a row shows the union of the row's ranges.
  const auto share = [&](const QList<Chart*>& row) {
    if (row.isEmpty()) return;
    for (Chart* c : row) c->fit_to_data();
    QList<QCPAxis*> ys;
    for (Chart* c : row)
      if (c->plottableCount() > 0 && c->plottable(0)->interface1D() && c->plottable(0)->interface1D()->dataCount() > 0)
        ys << c->yAxis;
    const QCPRange y = ys.isEmpty() ? row.front()->yAxis->range() : union_range(ys);
    for (Chart* c : row) {
      set_range_quietly(c->xAxis, QCPRange(0.5, L + 0.5));
      if (!ys.isEmpty()) set_range_quietly(c->yAxis, y);
      c->replot(QCustomPlot::rpQueuedReplot);
    }
  };
  share(variance_charts());
  share(removal_charts());
  if (metric_ != RemovalBars::Metric::ppl && !columns_.empty()) {
    // Accuracy: one range for the row, every bar with its error bar and 0 (fitted per chart
    // by RemovalBars, then united).
    QList<QCPAxis*> ys;
    for (const Column& c : columns_) {
      c.removal->refit();
      if (c.removal->bars()->dataCount() > 0) ys << c.removal_chart->yAxis;
    }
    if (!ys.isEmpty()) {
      const QCPRange y = union_range(ys);
      for (const Column& c : columns_) set_range_quietly(c.removal_chart->yAxis, y);
    }
  }
  // One colour range for every heatmap.
  double lo = std::numeric_limits<double>::max(), hi = -lo;
  for (const Column& c : columns_)
    for (const auto& row : c.item->angular)
      for (double d : row)
        if (std::isfinite(d)) {
          lo = std::min(lo, d);
          hi = std::max(hi, d);
        }
  for (const Column& c : columns_) {
    if (lo <= hi) c.angular_map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-6));
    set_range_quietly(c.angular_chart->xAxis, QCPRange(0.5, L + 0.5));
    set_range_quietly(c.angular_chart->yAxis, QCPRange(0.5, L + 0.5));
    c.angular_chart->replot(QCustomPlot::rpQueuedReplot);
  }
}

void CheckpointGrid::set_log_y(bool on) {
  log_y_ = on;
  for (Chart* c : variance_charts()) c->set_log_y(on);
  refit();
}

void CheckpointGrid::set_removal_metric(RemovalBars::Metric metric) {
  metric_ = metric;
  for (const Column& c : columns_) draw(c.item);
  refit();
}

const RemovalBars* CheckpointGrid::removal_bars(const CompareItem* item) const {
  for (const Column& c : columns_)
    if (c.item == item) return c.removal.get();
  return nullptr;
}

QList<Chart*> CheckpointGrid::variance_charts() const {
  QList<Chart*> out;
  for (const Column& c : columns_) out << c.variance_chart;
  return out;
}

QList<Chart*> CheckpointGrid::angular_charts() const {
  QList<Chart*> out;
  for (const Column& c : columns_) out << c.angular_chart;
  return out;
}

QList<Chart*> CheckpointGrid::removal_charts() const {
  QList<Chart*> out;
  for (const Column& c : columns_) out << c.removal_chart;
  return out;
}

}  // namespace depthscope::ui
