#include "ui/compare/compare_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPdfWriter>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QTableWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/model/config.h"
#include "core/runtime/progress.h"
#include "core/session/model_session.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/store/run_summary.h"
#include "core/version.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/error_dialog.h"
#include "ui/shared/job_list.h"
#include "ui/shared/palette.h"
#include "ui/shared/workspace_drag.h"

namespace depthscope::ui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kRunRole = Qt::UserRole;       // run id (qint64) or -1 for a checkpoint
constexpr int kPathRole = Qt::UserRole + 1;  // checkpoint path

QString num(double v, int digits = 6) { return QString::number(v, 'g', digits); }

// The store's CSV spelling of NaN and infinities (docs/runs.md).
QString csv_num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return QString::number(v, 'g', 9);
}

QString opt_num(const std::optional<double>& v, int digits = 4) { return v ? num(*v, digits) : QString("—"); }

QPixmap swatch(const QColor& color, Qt::PenStyle style) {
  QPixmap pm(28, 14);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(color, 3, style, Qt::FlatCap));
  p.drawLine(2, 7, 26, 7);
  p.setPen(Qt::NoPen);
  p.setBrush(color);
  p.drawEllipse(QPointF(14, 7), 3.2, 3.2);
  return pm;
}

// A checkpoint path as the user means it: a config.json, or a model.safetensors beside a
// config.json, names its folder.
QString normalise_checkpoint(const QString& path) {
  QFileInfo fi(path);
  if (fi.isFile()) {
    const QDir dir = fi.absoluteDir();
    if (fi.fileName() == "config.json" || fi.fileName() == "tokenizer.json" ||
        (fi.fileName() == "model.safetensors" && dir.exists("config.json")))
      return QFileInfo(dir.absolutePath()).canonicalFilePath();
  }
  return fi.canonicalFilePath();
}

QString checkpoint_label(const QString& path) {
  const QFileInfo fi(path);
  QString name = fi.isDir() ? fi.fileName() : fi.completeBaseName();
  const QString parent = fi.absoluteDir().dirName();
  if (name.startsWith("step-") || name == "model" || name == "checkpoint") name = parent + "/" + name;
  return name;
}

std::optional<NormScheme> scheme_of(const std::string& word) {
  try {
    return parse_norm_scheme(word);
  } catch (...) {
    return std::nullopt;
  }
}

// Nearest point of a graph to `x` (by key); false when the graph is empty.
bool nearest(const QCPGraph* g, double x, double* key, double* value) {
  const auto data = g->data();
  if (data->isEmpty()) return false;
  auto it = std::lower_bound(data->constBegin(), data->constEnd(), x,
                             [](const QCPGraphData& d, double k) { return d.key < k; });
  if (it == data->constEnd()) --it;
  if (it != data->constBegin()) {
    auto prev = it - 1;
    if (std::abs(prev->key - x) <= std::abs(it->key - x)) it = prev;
  }
  *key = it->key;
  *value = it->value;
  return true;
}

void set_range_quietly(QCPAxis* axis, const QCPRange& r) {
  if (axis->range().lower != r.lower || axis->range().upper != r.upper) axis->setRange(r);
}

QCPRange union_range(const QList<QCPAxis*>& axes) {
  QCPRange r = axes.front()->range();
  for (QCPAxis* a : axes) r.expand(a->range());
  return r;
}

}  // namespace

// One row of the list: a run of the database or a checkpoint.
struct ComparePanel::Item {
  enum Kind { run, checkpoint } kind = run;
  std::int64_t run_id = 0;
  QString path;
  QString label;
  std::optional<NormScheme> scheme;
  QString status;  // run status, or the state of the checkpoint's analysis
  bool checked = false;
  QColor color = QColor(0x59, 0x59, 0x59);
  Qt::PenStyle style = Qt::SolidLine;

  // Shared by both kinds (the difference table).
  std::optional<double> final_ppl, var_ratio, deep_removal;
  std::optional<int> near_identity;
  QString ppl_source;
  std::int64_t step = 0, steps = 0;

  // Run data.
  bool has_data = false;
  QVector<double> loss_steps, loss_values, ppl_steps, ppl_values;
  std::optional<std::int64_t> layer_step;
  std::vector<double> layer_variance;  // [l-1]

  // Checkpoint analysis.
  TaskRunner* runner = nullptr;
  int job = 0;
  double progress = 0;
  int layers = 0;
  std::vector<double> variance;              // [l-1], NaN until known
  std::vector<std::vector<double>> angular;  // [k-1][n-1] = d(k, k+n)
  std::vector<double> removal;               // [l-1] ΔPPL, NaN until known
  double baseline_ppl = 0;
  QString error;
  Chart* variance_chart = nullptr;
  Chart* angular_chart = nullptr;
  Chart* removal_chart = nullptr;
  QCPGraph* variance_graph = nullptr;
  QCPColorMap* angular_map = nullptr;
  QCPColorScale* angular_scale = nullptr;
  QCPBars* removal_bars = nullptr;
  QCPItemRect* deep_band = nullptr;
  QCPItemText* deep_label = nullptr;

  QString scheme_text() const { return scheme ? scheme_label(*scheme) : QString("?"); }
  // Layers of the deepest half: the last floor(L/2).
  int deep_first() const { return layers - layers / 2 + 1; }
};

struct ComparePanel::RunData {
  std::int64_t id = 0;
  std::vector<double> loss_steps, loss_values, ppl_steps, ppl_values;
  std::optional<std::int64_t> layer_step;
  std::vector<double> layer_variance;
  store::RunSummary summary;
};

ComparePanel::ComparePanel(JobList* jobs, QWidget* parent)
    : QWidget(parent), jobs_(jobs), runs_runner_(new TaskRunner(this)) {
  setAcceptDrops(true);
  const QString hint = QString("color: %1").arg(hint_text_color().name());

  // --- left: what to compare --------------------------------------------------------------
  auto* heading = new QLabel("<b>Compare</b>");
  auto* help = new QLabel("Tick runs of the workspace's run database, or drop checkpoint folders or "
                          "files anywhere on this tab.");
  help->setWordWrap(true);
  help->setStyleSheet(hint);
  list_ = new QListWidget;
  list_->setObjectName("compare_items");
  list_->setToolTip("Runs of the workspace's run database (tick to compare) and checkpoints added here "
                    "(tick to show). Drop checkpoint folders or files, or a run database, on the tab to add them.");
  list_->setIconSize(QSize(28, 14));
  list_->setMinimumWidth(280);
  add_button_ = new QPushButton("Add checkpoint…");
  add_button_->setObjectName("add_checkpoint");
  add_button_->setToolTip("Add a checkpoint (Hugging Face folder, .safetensors or llama2.c .bin); its variance by "
                          "depth, angular distances and removal impact are computed in the background");
  remove_button_ = new QPushButton("Remove");
  remove_button_->setObjectName("remove_checkpoint");
  remove_button_->setToolTip("Remove the selected checkpoint from the comparison (runs are only unticked)");
  refresh_button_ = new QPushButton("Refresh runs");
  refresh_button_->setObjectName("refresh_runs");
  refresh_button_->setToolTip("Read the run database again: new runs, and the latest rows of the ticked ones");
  tokens_box_ = new QSpinBox;
  tokens_box_->setRange(64, 1 << 20);
  tokens_box_->setSingleStep(1024);
  tokens_box_->setValue(eval_tokens_);
  tokens_box_->setToolTip("Evaluation tokens for checkpoints added from now on (from the Debian corpus "
                          "fortunes-min, as in the Inspect tab and the CLI)");
  log_box_ = new QCheckBox("Log variance axes");
  log_box_->setChecked(true);
  log_box_->setToolTip("Logarithmic y axis on every variance-by-depth chart");
  export_button_ = new QPushButton("Export comparison…");
  export_button_->setObjectName("export_comparison");
  export_button_->setToolTip("Write every chart shown and the difference table as one PNG, SVG or PDF");
  csv_button_ = new QPushButton("Export table as CSV…");
  csv_button_->setObjectName("export_table");
  csv_button_->setToolTip("Write the difference table as CSV (one row per compared run or checkpoint)");
  status_label_ = new QLabel;
  status_label_->setWordWrap(true);
  status_label_->setStyleSheet(hint);
  status_label_->setToolTip("What the tab is reading or computing");

  auto* left = new QVBoxLayout;
  left->addWidget(heading);
  left->addWidget(help);
  left->addWidget(list_, 1);
  auto* row1 = new QHBoxLayout;
  row1->addWidget(add_button_);
  row1->addWidget(remove_button_);
  left->addLayout(row1);
  left->addWidget(refresh_button_);
  auto* row2 = new QHBoxLayout;
  auto* tokens_label = new QLabel("Eval tokens");
  tokens_label->setToolTip(tokens_box_->toolTip());
  row2->addWidget(tokens_label);
  row2->addWidget(tokens_box_, 1);
  left->addLayout(row2);
  left->addWidget(log_box_);
  left->addSpacing(6);
  left->addWidget(export_button_);
  left->addWidget(csv_button_);
  left->addWidget(status_label_);
  auto* left_widget = new QWidget;
  left_widget->setLayout(left);
  left_widget->setMaximumWidth(340);

  // --- right: charts and table ------------------------------------------------------------
  empty_label_ = new QLabel("Tick two runs or drop checkpoints here");
  empty_label_->setObjectName("compare_empty");
  empty_label_->setAlignment(Qt::AlignCenter);
  empty_label_->setWordWrap(true);
  empty_label_->setMinimumHeight(260);
  empty_label_->setStyleSheet(QString("color: %1; font-size: 16pt; border: 2px dashed %2; border-radius: 10px;")
                                  .arg(hint_text_color().name(), chart_grid_color().darker(115).name()));
  empty_label_->setToolTip("Runs: tick them in the list. Checkpoints: drop folders or files here, or Add checkpoint…");

  const auto section_heading = [&](const QString& text) {
    auto* l = new QLabel(text);
    l->setStyleSheet(QString("color: %1; font-weight: 600; font-size: 11pt; padding-top: 4px;")
                         .arg(chart_text_color().name()));
    return l;
  };

  loss_chart_ = new Chart("compare-train-loss");
  loss_chart_->set_title("Training loss", "train/loss per step · shared step axis");
  loss_chart_->set_axis_labels("step", "loss  [nats]");
  ppl_chart_ = new Chart("compare-val-ppl");
  ppl_chart_->set_title("Validation perplexity", "val/ppl at each evaluation");
  ppl_chart_->set_axis_labels("step", "perplexity");
  run_variance_chart_ = new Chart("compare-residual-variance");
  run_variance_chart_->set_title("Residual variance by layer", "residual_variance at each run's last layer step");
  run_variance_chart_->set_axis_labels("layer l", "Var(x_l+1)");
  run_variance_chart_->set_integer_x();
  run_variance_chart_->set_log_y(true);
  run_variance_chart_->set_tooltip([](const QString& series, double l, double v) {
    return QString("%1\nlayer %2 output: Var = %3").arg(series).arg(int(l)).arg(num(v));
  });
  for (Chart* c : {loss_chart_, ppl_chart_, run_variance_chart_}) c->setMinimumHeight(300);
  // Curves fall from the top left: the legend goes top right, the crosshair label follows the mouse.
  for (Chart* c : {loss_chart_, ppl_chart_}) c->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  // Double-click resets the whole row (Chart's own handler fits one chart first).
  for (Chart* c : {loss_chart_, ppl_chart_, run_variance_chart_})
    connect(c, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { refit_runs(); });
  loss_chart_->setToolTip("");
  loss_chart_->set_csv_provider([this] {
    CsvTable t{{"item", "step", "train_loss"}, {}};
    for (int i = 0; i < loss_chart_->graphCount(); ++i)
      for (auto it = loss_chart_->graph(i)->data()->constBegin(); it != loss_chart_->graph(i)->data()->constEnd(); ++it)
        t.rows << QStringList{loss_chart_->graph(i)->name(), QString::number(qint64(it->key)), csv_num(it->value)};
    return t;
  });
  ppl_chart_->set_csv_provider([this] {
    CsvTable t{{"item", "step", "val_ppl"}, {}};
    for (int i = 0; i < ppl_chart_->graphCount(); ++i)
      for (auto it = ppl_chart_->graph(i)->data()->constBegin(); it != ppl_chart_->graph(i)->data()->constEnd(); ++it)
        t.rows << QStringList{ppl_chart_->graph(i)->name(), QString::number(qint64(it->key)), csv_num(it->value)};
    return t;
  });
  run_variance_chart_->set_csv_provider([this] {
    CsvTable t{{"item", "layer", "residual_variance"}, {}};
    for (int i = 0; i < run_variance_chart_->graphCount(); ++i) {
      const QCPGraph* g = run_variance_chart_->graph(i);
      for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        t.rows << QStringList{g->name(), QString::number(int(it->key)), csv_num(it->value)};
    }
    return t;
  });

  // Crosshair: a vertical line and a label on both step charts, at the same step.
  const auto make_crosshair = [](Chart* c, QCPItemStraightLine** line, QCPItemText** label) {
    *line = new QCPItemStraightLine(c);
    (*line)->setLayer("overlay");
    (*line)->setPen(QPen(QColor(0x26, 0x2B, 0x33, 150), 1, Qt::DashLine));
    for (QCPItemPosition* p : {(*line)->point1, (*line)->point2}) {
      p->setTypeX(QCPItemPosition::ptPlotCoords);
      p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    (*line)->point1->setCoords(0, 0);
    (*line)->point2->setCoords(0, 1);
    (*line)->setVisible(false);
    *label = new QCPItemText(c);
    (*label)->setLayer("overlay");
    (*label)->position->setTypeX(QCPItemPosition::ptPlotCoords);
    (*label)->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    (*label)->setTextAlignment(Qt::AlignLeft);
    (*label)->setPadding(QMargins(6, 4, 6, 4));
    (*label)->setBrush(chart_overlay_color(235));
    (*label)->setPen(QPen(chart_grid_color().darker(120)));
    (*label)->setColor(chart_text_color());
    QFont f = (*label)->font();
    f.setPointSizeF(9);
    (*label)->setFont(f);
    (*label)->setVisible(false);
  };
  make_crosshair(loss_chart_, &loss_line_, &loss_label_);
  make_crosshair(ppl_chart_, &ppl_line_, &ppl_label_);
  for (Chart* c : {loss_chart_, ppl_chart_}) {
    c->installEventFilter(this);
    connect(c, &QCustomPlot::mouseMove, this, [this, c](QMouseEvent* e) {
      if (c->axisRect()->rect().contains(e->position().toPoint()))
        set_crosshair(c->xAxis->pixelToCoord(e->position().x()));
      else
        hide_crosshair();
    });
  }
  // Linked zoom and pan: the two step charts share their x range.
  link_axes({loss_chart_->xAxis, ppl_chart_->xAxis});

  readout_ = new QLabel;
  readout_->setObjectName("crosshair_readout");
  readout_->setWordWrap(true);
  readout_->setTextFormat(Qt::PlainText);
  readout_->setStyleSheet(QString("color: %1; font-family: monospace; padding: 2px 4px;").arg(chart_text_color().name()));
  readout_->setToolTip("Every curve read at the crosshair (move the mouse over a training chart; "
                       "drag to pan, wheel to zoom both, double-click to reset)");
  readout_->setText("Move the mouse over a training chart to read every curve at that step.");

  runs_section_ = new QWidget;
  auto* runs_layout = new QVBoxLayout(runs_section_);
  runs_layout->setContentsMargins(0, 0, 0, 0);
  runs_layout->addWidget(section_heading("Runs · training curves on one step axis (zoom and pan are linked)"));
  auto* runs_row = new QHBoxLayout;
  runs_row->addWidget(loss_chart_, 5);
  runs_row->addWidget(ppl_chart_, 5);
  runs_row->addWidget(run_variance_chart_, 4);
  runs_layout->addLayout(runs_row);
  runs_layout->addWidget(readout_);

  checkpoint_section_ = new QWidget;
  auto* ck_layout = new QVBoxLayout(checkpoint_section_);
  ck_layout->setContentsMargins(0, 0, 0, 0);
  ck_layout->addWidget(section_heading("Checkpoints · the Inspect analyses side by side (shared axes and colour range)"));
  checkpoint_grid_ = new QGridLayout;
  checkpoint_grid_->setSpacing(8);
  ck_layout->addLayout(checkpoint_grid_);

  table_ = new QTableWidget(0, 9);
  table_->setObjectName("difference_table");
  table_->setHorizontalHeaderLabels({"Item", "Kind", "Scheme", "Step", "Final val PPL", "PPL measured on",
                                     "Var ratio L/1", "Nearly-identity layers", "Mean ΔPPL, deepest half"});
  const QStringList header_tips = {
      "The run or checkpoint",
      "run (from the run database) or checkpoint (analysed here)",
      "Norm scheme (one colour per scheme in every chart)",
      "Runs: the furthest step reached / planned steps",
      "Runs: val/ppl at its last evaluation. Checkpoints: perplexity of the full model on the evaluation text",
      "Where the perplexity was measured",
      "residual_variance of layer L divided by that of layer 1 (the Curse of Depth's signature: Pre-LN grows "
      "with depth, LNS much less)",
      "Layers whose angular distance to the next layer is below 0.2: nearly the identity",
      "Checkpoints: mean perplexity increase when one layer of the deepest half (the last ⌊L/2⌋ layers) is "
      "bypassed; small means the deep layers do little"};
  for (int c = 0; c < header_tips.size(); ++c) table_->horizontalHeaderItem(c)->setToolTip(header_tips[c]);
  table_->setToolTip("The numbers of `depthscope-cli runs compare`, one row per compared run or checkpoint");
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->setAlternatingRowColors(true);
  table_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);

  auto* content = new QWidget;
  auto* right = new QVBoxLayout(content);
  right->setContentsMargins(4, 4, 4, 4);
  right->setSpacing(8);
  right->addWidget(empty_label_);
  right->addWidget(runs_section_);
  right->addWidget(checkpoint_section_);
  right->addWidget(section_heading("Difference table (as `depthscope-cli runs compare`)"));
  right->addWidget(table_);
  right->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(content);

  auto* root = new QHBoxLayout(this);
  root->setContentsMargins(10, 8, 10, 6);
  root->addWidget(left_widget);
  root->addWidget(scroll, 1);

  poll_timer_ = new QTimer(this);
  poll_timer_->setInterval(3000);

  connect(list_, &QListWidget::itemChanged, this, &ComparePanel::on_list_changed);
  connect(list_, &QListWidget::currentItemChanged, this, [this] {
    QListWidgetItem* li = list_->currentItem();
    remove_button_->setEnabled(li && li->data(kRunRole).toLongLong() < 0);
  });
  connect(add_button_, &QPushButton::clicked, this, &ComparePanel::add_checkpoint_dialog);
  connect(remove_button_, &QPushButton::clicked, this, [this] {
    QListWidgetItem* li = list_->currentItem();
    if (li && li->data(kRunRole).toLongLong() < 0) remove_checkpoint(li->data(kPathRole).toString());
  });
  connect(refresh_button_, &QPushButton::clicked, this, &ComparePanel::refresh_runs);
  connect(tokens_box_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int v) { eval_tokens_ = v; });
  connect(log_box_, &QCheckBox::toggled, this, [this](bool on) {
    run_variance_chart_->set_log_y(on);
    for (Chart* c : checkpoint_variance_charts()) c->set_log_y(on);
    refit_checkpoints();
  });
  connect(export_button_, &QPushButton::clicked, this, &ComparePanel::export_dialog);
  connect(csv_button_, &QPushButton::clicked, this, &ComparePanel::export_table_dialog);
  connect(poll_timer_, &QTimer::timeout, this, [this] {
    if (!runs_loading_) refresh_runs();
  });
  connect(runs_runner_, &TaskRunner::finished, this, [this](int, bool, double) {
    runs_loading_ = false;
    update_status();
    if (!busy()) emit idle();
  });
  connect(runs_runner_, &TaskRunner::failed, this, [this](int, const QString& message) {
    runs_loading_ = false;
    status_ = "Could not read the runs: " + message;
    update_status();
    emit log("Compare: " + status_);
    if (!busy()) emit idle();
  });

  remove_button_->setEnabled(false);
  refresh_button_->setEnabled(false);
  update_visibility();
  rebuild_table();
  update_status();
}

ComparePanel::~ComparePanel() {
  runs_runner_->abandon();
  for (auto& item : items_)
    if (item->runner) item->runner->abandon();
  // Runners are children: their destructors wait for their threads.
}

// --- the list -------------------------------------------------------------------------------

ComparePanel::Item* ComparePanel::find_run(std::int64_t run) const {
  for (const auto& i : items_)
    if (i->kind == Item::run && i->run_id == run) return i.get();
  return nullptr;
}

ComparePanel::Item* ComparePanel::find_checkpoint(const QString& path) const {
  const QString p = normalise_checkpoint(path).isEmpty() ? path : normalise_checkpoint(path);
  for (const auto& i : items_)
    if (i->kind == Item::checkpoint && (i->path == p || i->path == path)) return i.get();
  return nullptr;
}

QListWidgetItem* ComparePanel::list_item(const Item* item) const {
  for (int r = 0; r < list_->count(); ++r) {
    QListWidgetItem* li = list_->item(r);
    if (item->kind == Item::run ? li->data(kRunRole).toLongLong() == item->run_id
                                : (li->data(kRunRole).toLongLong() < 0 && li->data(kPathRole).toString() == item->path))
      return li;
  }
  return nullptr;
}

void ComparePanel::add_list_item(Item* item) {
  updating_list_ = true;
  auto* li = new QListWidgetItem;
  li->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
  li->setData(kRunRole, item->kind == Item::run ? QVariant(qlonglong(item->run_id)) : QVariant(qlonglong(-1)));
  li->setData(kPathRole, item->path);
  li->setCheckState(item->checked ? Qt::Checked : Qt::Unchecked);
  // Checkpoints after the runs.
  int row = list_->count();
  if (item->kind == Item::run)
    for (int r = 0; r < list_->count(); ++r)
      if (list_->item(r)->data(kRunRole).toLongLong() < 0) {
        row = r;
        break;
      }
  list_->insertItem(row, li);
  updating_list_ = false;
  refresh_list_item(item);
}

void ComparePanel::refresh_list_item(Item* item) {
  QListWidgetItem* li = list_item(item);
  if (!li) return;
  updating_list_ = true;
  QString text;
  if (item->kind == Item::run) {
    text = QString("%1 · %2 · %3/%4").arg(item->label, item->scheme_text()).arg(item->step).arg(item->steps);
    if (item->status != "finished") text += " " + item->status;
    li->setToolTip(QString("Run %1 of %2\nscheme %3, %4, step %5 of %6\nTick to compare its curves")
                       .arg(item->run_id)
                       .arg(db_path_, item->scheme_text(), item->status)
                       .arg(item->step)
                       .arg(item->steps));
  } else {
    text = QString("%1 · %2 · %3").arg(item->label, item->scheme_text(), item->status);
    li->setToolTip(QString("Checkpoint %1\n%2%3\nTick to show its analyses; Remove to drop it")
                       .arg(item->path, item->status, item->error.isEmpty() ? QString() : "\n" + item->error));
  }
  li->setText(text);
  li->setIcon(QIcon(swatch(item->color, item->style)));
  updating_list_ = false;
}

void ComparePanel::on_list_changed(QListWidgetItem* li) {
  if (updating_list_) return;
  const qlonglong run = li->data(kRunRole).toLongLong();
  Item* item = run >= 0 ? find_run(run) : find_checkpoint(li->data(kPathRole).toString());
  if (!item) return;
  const bool checked = li->checkState() == Qt::Checked;
  if (checked == item->checked) return;
  item->checked = checked;
  assign_styles();
  if (item->kind == Item::run) {
    load_runs();
  } else {
    rebuild_checkpoint_grid();
  }
  draw_runs();
  rebuild_table();
  update_visibility();
  update_status();
}

QList<std::int64_t> ComparePanel::listed_runs() const {
  QList<std::int64_t> out;
  for (const auto& i : items_)
    if (i->kind == Item::run) out << i->run_id;
  return out;
}

QList<std::int64_t> ComparePanel::checked_runs() const {
  QList<std::int64_t> out;
  for (const auto& i : items_)
    if (i->kind == Item::run && i->checked) out << i->run_id;
  return out;
}

QStringList ComparePanel::checkpoints() const {
  QStringList out;
  for (const auto& i : items_)
    if (i->kind == Item::checkpoint) out << i->path;
  return out;
}

std::vector<ComparePanel::Item*> ComparePanel::compared_items() const {
  std::vector<Item*> out;
  for (const auto& i : items_)
    if (i->checked && i->kind == Item::run) out.push_back(i.get());
  for (const auto& i : items_)
    if (i->checked && i->kind == Item::checkpoint) out.push_back(i.get());
  return out;
}

void ComparePanel::assign_styles() {
  // One colour per scheme; the second item of a scheme dashed, the third dotted.
  std::map<int, int> seen;
  const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
  for (Item* item : compared_items()) {
    const int key = item->scheme ? static_cast<int>(*item->scheme) : -1;
    const int n = seen[key]++;
    item->color = item->scheme ? scheme_color(*item->scheme) : QColor(0x59, 0x59, 0x59);
    item->style = styles[std::min(n, 3)];
  }
  for (const auto& i : items_) {
    if (!i->checked) {
      i->color = i->scheme ? scheme_color(*i->scheme) : QColor(0x59, 0x59, 0x59);
      i->style = Qt::SolidLine;
    }
    refresh_list_item(i.get());
  }
}

// --- runs ---------------------------------------------------------------------------------

bool ComparePanel::set_database(const QString& path) {
  poll_timer_->stop();
  runs_runner_->abandon();
  runs_loading_ = false;
  for (auto it = items_.begin(); it != items_.end();) {
    if ((*it)->kind == Item::run) {
      if (QListWidgetItem* li = list_item(it->get())) delete li;
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  db_path_.clear();
  refresh_button_->setEnabled(false);
  status_.clear();
  bool ok = true;
  if (!path.isEmpty()) {
    if (!QFileInfo(path).isFile()) {
      status_ = QString("No run database at %1 (train a run first, or pick another workspace)").arg(path);
      ok = false;
    } else {
      db_path_ = QFileInfo(path).absoluteFilePath();
      refresh_button_->setEnabled(true);
    }
  }
  if (ok && !db_path_.isEmpty()) refresh_runs();
  assign_styles();
  draw_runs();
  rebuild_table();
  update_visibility();
  update_status();
  return ok && status_.isEmpty();
}

void ComparePanel::reset_views() {
  refit_runs();
  refit_checkpoints();
}

void ComparePanel::refresh_runs() {
  if (db_path_.isEmpty()) return;
  try {
    store::RunDb db(db_path_.toStdString());
    bool any_live = false;
    for (const store::RunRecord& r : db.list_runs()) {
      Item* item = find_run(r.id);
      const bool is_new = item == nullptr;
      if (is_new) {
        auto owned = std::make_unique<Item>();
        owned->kind = Item::run;
        owned->run_id = r.id;
        item = owned.get();
        items_.push_back(std::move(owned));
      }
      item->label = QString("#%1 %2").arg(r.id).arg(QString::fromStdString(r.name));
      item->scheme = scheme_of(r.scheme);
      item->status = QString::fromStdString(std::string(store::to_string(r.status)));
      item->step = std::max(item->step, r.step);
      item->steps = r.steps;
      if (!item->scheme) item->color = QColor(0x59, 0x59, 0x59);
      if (is_new) add_list_item(item);
      any_live = any_live || (item->checked && !store::is_terminal(r.status));
    }
    if (any_live) {
      if (!poll_timer_->isActive()) poll_timer_->start();
    } else {
      poll_timer_->stop();
    }
    if (status_.startsWith("Could not")) status_.clear();
  } catch (const std::exception& e) {
    status_ = QString("Could not read %1: %2").arg(db_path_, QString::fromStdString(e.what()));
    emit log("Compare: " + status_);
  }
  assign_styles();
  load_runs();
  update_status();
}

void ComparePanel::set_run_checked(std::int64_t run, bool checked) {
  Item* item = find_run(run);
  if (!item) return;
  if (QListWidgetItem* li = list_item(item)) li->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

int ComparePanel::add_runs(const QList<qint64>& runs) {
  for (qint64 run : runs)
    if (find_run(run) == nullptr) {
      refresh_runs();
      break;
    }
  int found = 0;
  for (qint64 run : runs)
    if (find_run(run) != nullptr) {
      set_run_checked(run, true);
      ++found;
    }
  if (found < runs.size()) status_ = QString("%1 of the dropped runs are not in %2").arg(runs.size() - found).arg(db_path_);
  return found;
}

void ComparePanel::load_runs() {
  std::vector<std::int64_t> ids;
  for (const auto& i : items_)
    if (i->kind == Item::run && i->checked) ids.push_back(i->run_id);
  if (db_path_.isEmpty() || ids.empty()) {
    runs_runner_->abandon();
    runs_loading_ = false;
    return;
  }
  const std::string path = db_path_.toStdString();
  ComparePanel* self = this;  // closures run on the GUI thread, from the panel's own runner
  runs_loading_ = true;
  runs_runner_->start([=](const TaskContext& ctx) {
    store::StoreOptions options;
    options.reap_on_open = false;
    store::RunDb db(path, options);
    std::vector<RunData> out;
    for (std::int64_t id : ids) {
      if (ctx.cancelled()) return;
      RunData d;
      d.id = id;
      d.summary = store::summarize_run(db, id);
      for (const store::MetricRow& m : store::run_metrics(db, id)) {
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
        for (const store::LayerMetricRow& m : store::run_layer_metrics(db, id)) {
          if (m.key != "residual_variance" || m.step != *d.layer_step || m.layer < 1) continue;
          if (static_cast<std::size_t>(m.layer) > d.layer_variance.size()) d.layer_variance.resize(m.layer, kNaN);
          d.layer_variance[m.layer - 1] = m.value;
        }
      }
      out.push_back(std::move(d));
    }
    ctx.deliver([self, out] { self->apply_runs(out); });
  });
  update_status();
}

void ComparePanel::apply_runs(const std::vector<RunData>& runs) {
  for (const RunData& d : runs) {
    Item* item = find_run(d.id);
    if (!item) continue;
    item->has_data = true;
    item->loss_steps = QVector<double>(d.loss_steps.begin(), d.loss_steps.end());
    item->loss_values = QVector<double>(d.loss_values.begin(), d.loss_values.end());
    item->ppl_steps = QVector<double>(d.ppl_steps.begin(), d.ppl_steps.end());
    item->ppl_values = QVector<double>(d.ppl_values.begin(), d.ppl_values.end());
    item->layer_step = d.layer_step;
    item->layer_variance = d.layer_variance;
    const store::RunSummary& s = d.summary;
    item->step = s.step;
    item->steps = s.steps;
    item->status = QString::fromStdString(std::string(store::to_string(s.status)));
    item->final_ppl = s.final_val_ppl;
    item->ppl_source = s.val_ppl_step ? QString("val set, step %1").arg(*s.val_ppl_step) : QString();
    item->var_ratio = s.residual_variance_ratio;
    item->near_identity = s.near_identity_layers;
    item->deep_removal.reset();
    item->layers = s.layers;
    refresh_list_item(item);
  }
  draw_runs();
  rebuild_table();
  update_status();
  emit updated();
}

void ComparePanel::draw_runs() {
  for (Chart* c : {loss_chart_, ppl_chart_, run_variance_chart_}) c->clearGraphs();
  bool any_loss = false, any_ppl = false, any_var = false;
  for (Item* item : compared_items()) {
    if (item->kind != Item::run || !item->has_data) continue;
    const auto style = [&](QCPGraph* g, int points) {
      QPen pen = g->pen();
      pen.setStyle(item->style);
      g->setPen(pen);
      if (points > 60) g->setScatterStyle(QCPScatterStyle::ssNone);
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
      QCPGraph* g = run_variance_chart_->add_line_series(
          QString("%1 (step %2)").arg(item->label).arg(item->layer_step.value_or(0)), item->color);
      for (std::size_t l = 0; l < item->layer_variance.size(); ++l)
        if (!std::isnan(item->layer_variance[l])) g->addData(double(l + 1), item->layer_variance[l]);
      style(g, 0);
      any_var = true;
    }
  }
  const bool runs = !checked_runs().isEmpty();
  const QString waiting = runs_loading_ ? "Reading the run database…" : QString();
  loss_chart_->set_message(any_loss ? QString() : (runs ? (waiting.isEmpty() ? "No train/loss rows yet" : waiting) : "Tick runs to compare"));
  ppl_chart_->set_message(any_ppl ? QString() : (runs ? (waiting.isEmpty() ? "No evaluation yet (val/ppl)" : waiting) : "Tick runs to compare"));
  run_variance_chart_->set_message(any_var ? QString()
                                           : (runs ? (waiting.isEmpty() ? "No layer metrics yet" : waiting) : "Tick runs to compare"));
  refit_runs();
  if (loss_line_->visible()) set_crosshair(crosshair_x_);
}

void ComparePanel::refit_runs() {
  linking_ = true;
  for (Chart* c : {loss_chart_, ppl_chart_, run_variance_chart_}) c->fit_to_data();
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
  linking_ = false;
  for (Chart* c : {loss_chart_, ppl_chart_, run_variance_chart_}) c->replot(QCustomPlot::rpQueuedReplot);
}

// --- crosshair ----------------------------------------------------------------------------

void ComparePanel::set_crosshair(double step) {
  crosshair_x_ = step;
  const bool any = loss_chart_->graphCount() > 0 || ppl_chart_->graphCount() > 0;
  if (!any) {
    hide_crosshair();
    return;
  }
  position_crosshair(loss_chart_, loss_line_, loss_label_);
  position_crosshair(ppl_chart_, ppl_line_, ppl_label_);
  readout_->setText(crosshair_text());
}

void ComparePanel::position_crosshair(Chart* chart, QCPItemStraightLine* line, QCPItemText* label) {
  const QString text = chart_readout(chart);
  line->point1->setCoords(crosshair_x_, 0);
  line->point2->setCoords(crosshair_x_, 1);
  line->setVisible(chart->graphCount() > 0);
  label->setText(text);
  const QCPRange r = chart->xAxis->range();
  const bool right_half = crosshair_x_ > r.center();
  // Keep the label off the curves: at the bottom when they pass the crosshair in the top half.
  double sum = 0;
  int count = 0;
  for (int i = 0; i < chart->graphCount(); ++i) {
    double key = 0, value = 0;
    if (nearest(chart->graph(i), crosshair_x_, &key, &value) && std::isfinite(value)) {
      sum += chart->yAxis->coordToPixel(value);
      ++count;
    }
  }
  const bool bottom = count > 0 && sum / count < chart->axisRect()->center().y();
  label->setPositionAlignment((bottom ? Qt::AlignBottom : Qt::AlignTop) | (right_half ? Qt::AlignRight : Qt::AlignLeft));
  label->position->setCoords(crosshair_x_ + (right_half ? -1 : 1) * r.size() * 0.01, bottom ? 0.97 : 0.03);
  label->setVisible(chart->graphCount() > 0 && !text.isEmpty());
  chart->replot(QCustomPlot::rpQueuedReplot);
}

void ComparePanel::hide_crosshair() {
  for (auto* item : std::initializer_list<QCPAbstractItem*>{loss_line_, ppl_line_, loss_label_, ppl_label_})
    item->setVisible(false);
  loss_chart_->replot(QCustomPlot::rpQueuedReplot);
  ppl_chart_->replot(QCustomPlot::rpQueuedReplot);
}

bool ComparePanel::crosshair_visible() const { return loss_line_->visible() || ppl_line_->visible(); }

QString ComparePanel::chart_readout(const Chart* chart) const {
  QStringList lines;
  lines << QString("step %1").arg(qint64(std::llround(crosshair_x_)));
  for (int i = 0; i < chart->graphCount(); ++i) {
    double key = 0, value = 0;
    if (!nearest(chart->graph(i), crosshair_x_, &key, &value)) continue;
    QString line = QString("%1: %2").arg(chart->graph(i)->name(), num(value));
    if (std::llround(key) != std::llround(crosshair_x_)) line += QString("  (step %1)").arg(qint64(key));
    lines << line;
  }
  return lines.size() > 1 ? lines.join("\n") : QString();
}

QVector<ComparePanel::Reading> ComparePanel::crosshair_readings() const {
  QVector<Reading> out;
  const std::pair<const Chart*, QString> charts[] = {{loss_chart_, "train/loss"}, {ppl_chart_, "val/ppl"}};
  for (const auto& [chart, name] : charts)
    for (int i = 0; i < chart->graphCount(); ++i) {
      Reading r;
      r.chart = name;
      r.series = chart->graph(i)->name();
      if (nearest(chart->graph(i), crosshair_x_, &r.key, &r.value)) out << r;
    }
  return out;
}

QString ComparePanel::crosshair_text() const {
  QStringList parts;
  std::map<QString, QStringList> by_series;
  QStringList order;
  for (const Reading& r : crosshair_readings()) {
    if (!by_series.count(r.series)) order << r.series;
    QString v = QString("%1 %2").arg(r.chart == "train/loss" ? "loss" : "val PPL", num(r.value));
    if (std::llround(r.key) != std::llround(crosshair_x_)) v += QString(" @%1").arg(qint64(r.key));
    by_series[r.series] << v;
  }
  for (const QString& s : order) parts << QString("%1: %2").arg(s, by_series[s].join(", "));
  if (parts.isEmpty()) return QString();
  return QString("step %1 │ %2").arg(qint64(std::llround(crosshair_x_))).arg(parts.join(" │ "));
}

bool ComparePanel::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Leave && (watched == loss_chart_ || watched == ppl_chart_)) hide_crosshair();
  return QWidget::eventFilter(watched, event);
}

void ComparePanel::link_axes(const QList<QCPAxis*>& axes) {
  for (QCPAxis* a : axes) {
    connect(a, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), a, [this, axes, a](const QCPRange& r) {
      if (linking_) return;
      linking_ = true;
      for (QCPAxis* b : axes) {
        if (b == a) continue;
        set_range_quietly(b, r);
        b->parentPlot()->replot(QCustomPlot::rpQueuedReplot);
      }
      linking_ = false;
      if (crosshair_visible()) set_crosshair(crosshair_x_);
    });
  }
}

// --- checkpoints --------------------------------------------------------------------------

bool ComparePanel::add_checkpoint(const QString& path) {
  const QString p = normalise_checkpoint(path);
  if (p.isEmpty()) {
    status_ = QString("No checkpoint at %1").arg(path);
    update_status();
    return false;
  }
  if (find_checkpoint(p)) return false;
  auto owned = std::make_unique<Item>();
  Item* item = owned.get();
  item->kind = Item::checkpoint;
  item->path = p;
  item->label = checkpoint_label(p);
  item->checked = true;
  item->status = "waiting";
  items_.push_back(std::move(owned));
  add_list_item(item);
  assign_styles();
  start_analysis(item);
  rebuild_checkpoint_grid();
  rebuild_table();
  update_visibility();
  update_status();
  emit log(QString("Compare: analysing %1%2")
               .arg(p, device_.is_cuda() ? QString(" on %1").arg(QString::fromStdString(device_.name())) : QString()));
  return true;
}

void ComparePanel::remove_checkpoint(const QString& path) {
  Item* item = find_checkpoint(path);
  if (!item) return;
  if (item->runner) {
    if (item->runner->running() && jobs_) jobs_->end(item->job, "cancelled");
    item->runner->abandon();
    delete item->runner;  // waits for its thread; nothing it sent is drawn
    item->runner = nullptr;
  }
  if (QListWidgetItem* li = list_item(item)) delete li;
  for (Chart* c : {item->variance_chart, item->angular_chart, item->removal_chart}) delete c;
  items_.erase(std::find_if(items_.begin(), items_.end(), [&](const auto& p) { return p.get() == item; }));
  assign_styles();
  rebuild_checkpoint_grid();
  rebuild_table();
  update_visibility();
  update_status();
  if (!busy()) emit idle();
}

void ComparePanel::set_evaluation(int tokens, int n_ctx) {
  eval_tokens_ = tokens;
  eval_n_ctx_ = n_ctx;
  tokens_box_->setValue(tokens);
}

void ComparePanel::set_evaluation_text(const QString& path) { eval_text_ = path; }

void ComparePanel::start_analysis(Item* item) {
  item->runner = new TaskRunner(this);
  TaskRunner* runner = item->runner;
  connect(runner, &TaskRunner::updated, this, [this, item] {
    draw_checkpoint(item);
    refit_checkpoints();
    rebuild_table();
    emit updated();
  });
  connect(runner, &TaskRunner::progress, this, [this, item](int, double f, double eta, const QString& stage) {
    item->progress = f;
    item->status = QString("analysing %1%").arg(int(f * 100));
    refresh_list_item(item);
    if (jobs_) jobs_->progress(item->job, f, eta, stage);
    status_ = QString("%1: %2 · ETA %3").arg(item->label, stage, QString::fromStdString(format_duration(eta)));
    update_status();
  });
  connect(runner, &TaskRunner::finished, this, [this, item](int, bool cancelled, double seconds) {
    item->status = cancelled ? "cancelled" : "analysed";
    if (jobs_) jobs_->end(item->job, cancelled ? "cancelled" : "finished");
    emit log(QString("Compare: %1 %2 in %3 s").arg(item->label, item->status).arg(seconds, 0, 'f', 2));
    analysis_ended(item);
  });
  const ComputeDevice device = device_;
  connect(runner, &TaskRunner::failed, this, [this, item, device](int, const QString& message) {
    item->status = "failed";
    item->error = message;
    if (jobs_) jobs_->end(item->job, "failed: " + message);
    emit log(QString("Compare: could not analyse %1: %2").arg(item->path, message));
    analysis_ended(item);
    if (device.is_cuda() && !device_unavailable_reason(device).empty()) {
      emit device_refused(message);
      // Analysed again once the device is one this process can use (the runner is deleted
      // outside its own signal).
      if (device_unavailable_reason(device_).empty())
        QTimer::singleShot(0, this, [this, path = item->path] {
          if (!find_checkpoint(path)) return;
          remove_checkpoint(path);
          add_checkpoint(path);
        });
    }
  });

  const std::string path = item->path.toStdString();
  const std::string text = eval_text_.toStdString();
  const std::int64_t tokens = eval_tokens_, n_ctx = eval_n_ctx_;
  ComparePanel* self = this;  // closures run on the GUI thread, from this item's runner
  item->status = "loading";
  const int task = runner->start([=](const TaskContext& ctx) {
    const auto session = ModelSession::open(path, ctx.phase(0.0, 0.1, "loading"), device);
    const ModelConfig config = session->config();
    const int L = static_cast<int>(config.num_layers);
    ctx.deliver([self, item, L, scheme = config.norm_scheme] {
      item->layers = L;
      item->scheme = scheme;
      item->variance.assign(L, kNaN);
      item->removal.assign(L, kNaN);
      item->angular.assign(L, std::vector<double>(L, kNaN));
      self->assign_styles();
      self->rebuild_checkpoint_grid();
    });
    // The same evaluation set and analyses as the Inspect tab (and the CLI).
    EvalSetOptions eval;
    eval.max_tokens = tokens;
    eval.n_ctx = std::min<std::int64_t>(n_ctx, config.max_position);
    const EvalSet set = session->evaluation_set(text, eval);
    LayerStatsOptions so;
    so.n_ctx = set.windows.n_ctx;
    so.logit_lens = false;
    RemovalOptions ro;
    ro.windows = set.windows;
    check_removal_memory(config, static_cast<std::int64_t>(set.tokens.size()), ro, /*greedy=*/false);
    layer_statistics(session->model(), set.tokens, so, ctx.phase(0.1, 0.4, "statistics"), [&](const LayerStats& s) {
      ctx.deliver([item, s] {
        const int l = static_cast<int>(s.layer);
        if (l < 1 || l > item->layers) return;
        item->variance[l - 1] = s.output_variance;
        // Entry k-1 is d(k, l+1): n = l + 1 - k.
        for (std::size_t i = 0; i < s.angular_to_output_token_mean.size(); ++i) {
          const int k = static_cast<int>(i) + 1;
          const int n = l + 1 - k;
          if (n >= 1 && n <= item->layers && k <= item->layers) item->angular[k - 1][n - 1] = s.angular_to_output_token_mean[i];
        }
      });
    });
    const LayerRemovalSweep sweep = layer_removal_sweep(
        session->model(), set.tokens, ro, ctx.phase(0.4, 1.0, "removal sweep"), [&](const LayerRemovalEntry& e) {
          ctx.deliver([item, e] {
            if (item->baseline_ppl == 0) item->baseline_ppl = e.score.ppl - e.delta_ppl;
            if (e.layer >= 1 && e.layer <= item->layers) item->removal[e.layer - 1] = e.delta_ppl;
          });
        });
    ctx.deliver([item, b = sweep.baseline.ppl, n = set.tokens.size()] {
      item->baseline_ppl = b;
      item->ppl_source = QString("eval text, %1 tokens").arg(n);
    });
  });
  if (jobs_) {
    item->job = jobs_->start(QString("Compare: analyse %1").arg(item->label), [runner, task] { runner->cancel(task); });
  }
}

void ComparePanel::analysis_ended(Item* item) {
  item->progress = 1;
  refresh_list_item(item);
  draw_checkpoint(item);
  refit_checkpoints();
  rebuild_table();
  status_.clear();
  update_status();
  emit updated();
  if (!busy()) emit idle();
}

QList<Chart*> ComparePanel::checkpoint_variance_charts() const {
  QList<Chart*> out;
  for (Item* i : compared_items())
    if (i->variance_chart) out << i->variance_chart;
  return out;
}

QList<Chart*> ComparePanel::checkpoint_angular_charts() const {
  QList<Chart*> out;
  for (Item* i : compared_items())
    if (i->angular_chart) out << i->angular_chart;
  return out;
}

QList<Chart*> ComparePanel::checkpoint_removal_charts() const {
  QList<Chart*> out;
  for (Item* i : compared_items())
    if (i->removal_chart) out << i->removal_chart;
  return out;
}

void ComparePanel::rebuild_checkpoint_grid() {
  for (const auto& i : items_) {
    if (i->kind != Item::checkpoint) continue;
    for (Chart* c : {i->variance_chart, i->angular_chart, i->removal_chart}) delete c;
    i->variance_chart = i->angular_chart = i->removal_chart = nullptr;
    i->variance_graph = nullptr;
    i->angular_map = nullptr;
    i->angular_scale = nullptr;
    i->removal_bars = nullptr;
    i->deep_band = nullptr;
    i->deep_label = nullptr;
  }
  int column = 0;
  for (Item* item : compared_items()) {
    if (item->kind != Item::checkpoint) continue;
    const QString stem = QString(item->label).replace('/', '-');
    item->variance_chart = new Chart("variance-by-depth-" + stem);
    item->variance_chart->set_axis_labels("layer l", "Var(x_l+1)  residual-stream variance");
    item->variance_chart->set_integer_x();
    item->variance_chart->set_log_y(log_box_->isChecked());
    item->variance_chart->set_tooltip([label = item->label](const QString&, double l, double v) {
      return QString("%1\nlayer %2 output: Var = %3").arg(label).arg(int(l)).arg(num(v));
    });
    item->variance_chart->set_csv_provider([item] {
      CsvTable t{{"layer", "output_variance"}, {}};
      for (std::size_t l = 0; l < item->variance.size(); ++l)
        if (!std::isnan(item->variance[l])) t.rows << QStringList{QString::number(l + 1), csv_num(item->variance[l])};
      return t;
    });

    item->angular_chart = new Chart("angular-distance-" + stem);
    item->angular_chart->set_axis_labels("layer l", "distance n");
    item->angular_chart->legend->setVisible(false);
    item->angular_map = new QCPColorMap(item->angular_chart->xAxis, item->angular_chart->yAxis);
    item->angular_map->setName("d(l, l+n)");
    item->angular_map->setInterpolate(false);
    item->angular_scale = new QCPColorScale(item->angular_chart);
    item->angular_chart->plotLayout()->addElement(2, 1, item->angular_scale);
    item->angular_scale->setType(QCPAxis::atRight);
    item->angular_scale->setLabel("d(l, l+n)");
    item->angular_scale->setBarWidth(10);
    item->angular_map->setColorScale(item->angular_scale);
    item->angular_scale->setGradient(viridis_gradient());
    item->angular_map->setGradient(viridis_gradient());
    auto* group = new QCPMarginGroup(item->angular_chart);
    item->angular_chart->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    item->angular_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    item->angular_chart->set_cell_tooltip([label = item->label](double l, double n, double d) {
      return QString("%1\nd(%2, %3) = %4").arg(label).arg(int(l)).arg(int(l + n)).arg(num(d, 4));
    });
    item->angular_chart->set_csv_provider([item] {
      CsvTable t{{"l", "n", "angular_distance"}, {}};
      for (std::size_t k = 0; k < item->angular.size(); ++k)
        for (std::size_t n = 0; n < item->angular[k].size(); ++n)
          if (!std::isnan(item->angular[k][n]))
            t.rows << QStringList{QString::number(k + 1), QString::number(n + 1), csv_num(item->angular[k][n])};
      return t;
    });
    {
      QSharedPointer<QCPAxisTickerFixed> n_ticks(new QCPAxisTickerFixed);
      n_ticks->setTickStep(1.0);
      n_ticks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
      item->angular_chart->yAxis->setTicker(n_ticks);
      item->angular_chart->set_integer_x();
    }

    item->removal_chart = new Chart("layer-removal-" + stem);
    item->removal_chart->set_axis_labels("removed layer l", "ΔPPL");
    item->removal_chart->set_integer_x();
    item->removal_chart->legend->setVisible(false);
    item->deep_band = new QCPItemRect(item->removal_chart);
    item->deep_band->setLayer("grid");
    item->deep_band->setPen(Qt::NoPen);
    item->deep_band->setBrush(QColor(0x26, 0x2B, 0x33, 16));
    for (QCPItemPosition* p : {item->deep_band->topLeft, item->deep_band->bottomRight}) {
      p->setTypeX(QCPItemPosition::ptPlotCoords);
      p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    item->deep_label = new QCPItemText(item->removal_chart);
    item->deep_label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    item->deep_label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    item->deep_label->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
    item->deep_label->setColor(hint_text_color());
    {
      QFont f = item->deep_label->font();
      f.setPointSizeF(8.5);
      item->deep_label->setFont(f);
    }
    item->removal_bars = new QCPBars(item->removal_chart->xAxis, item->removal_chart->yAxis);
    item->removal_bars->setName("ΔPPL");
    item->removal_bars->setWidth(0.7);
    item->removal_chart->set_tooltip([item](const QString&, double l, double d) {
      return QString("%1 without layer %2\nΔPPL = %3 (PPL %4)")
          .arg(item->label)
          .arg(int(l))
          .arg(num(d, 5))
          .arg(num(item->baseline_ppl + d, 5));
    });
    item->removal_chart->set_csv_provider([item] {
      CsvTable t{{"layer", "delta_ppl", "ppl"}, {}};
      for (std::size_t l = 0; l < item->removal.size(); ++l)
        if (!std::isnan(item->removal[l]))
          t.rows << QStringList{QString::number(l + 1), csv_num(item->removal[l]), csv_num(item->baseline_ppl + item->removal[l])};
      return t;
    });
    for (Chart* c : {item->variance_chart, item->angular_chart, item->removal_chart}) {
      c->setMinimumHeight(270);
      connect(c, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { refit_checkpoints(); });
    }
    checkpoint_grid_->addWidget(item->variance_chart, 0, column);
    checkpoint_grid_->addWidget(item->angular_chart, 1, column);
    checkpoint_grid_->addWidget(item->removal_chart, 2, column);
    checkpoint_grid_->setColumnStretch(column, 1);
    ++column;
    draw_checkpoint(item);
  }
  for (int c = column; c < checkpoint_grid_->columnCount(); ++c) checkpoint_grid_->setColumnStretch(c, 0);
  // Linked zoom and pan within each row of side-by-side charts.
  const auto axes = [](const QList<Chart*>& charts, bool x) {
    QList<QCPAxis*> out;
    for (Chart* c : charts) out << (x ? c->xAxis : c->yAxis);
    return out;
  };
  for (const QList<Chart*>& row : {checkpoint_variance_charts(), checkpoint_angular_charts(), checkpoint_removal_charts()})
    if (row.size() > 1) {
      link_axes(axes(row, true));
      link_axes(axes(row, false));
    }
  refit_checkpoints();
}

void ComparePanel::draw_checkpoint(Item* item) {
  if (!item->variance_chart) return;
  const QString scheme = item->scheme_text();
  const int L = item->layers;
  item->variance_chart->set_title(QString("%1 · variance by depth").arg(item->label),
                                  QString("%1 · residual stream after each layer").arg(scheme));
  item->angular_chart->set_title(QString("%1 · angular distance").arg(item->label),
                                 QString("%1 · d(l, l+n) = arccos(cos)/π; < 0.2 nearly the identity").arg(scheme));
  item->removal_chart->set_title(
      QString("%1 · removal impact").arg(item->label),
      item->baseline_ppl > 0 ? QString("%1 · ΔPPL when one layer is bypassed · full PPL %2").arg(scheme, num(item->baseline_ppl, 5))
                             : QString("%1 · ΔPPL when one layer is bypassed").arg(scheme));

  item->variance_chart->clearGraphs();
  item->variance_graph = item->variance_chart->add_line_series(scheme, item->color);
  {
    QPen pen = item->variance_graph->pen();
    pen.setStyle(item->style);
    item->variance_graph->setPen(pen);
  }
  for (std::size_t l = 0; l < item->variance.size(); ++l)
    if (!std::isnan(item->variance[l])) item->variance_graph->addData(double(l + 1), item->variance[l]);

  const int n = std::max(1, L);
  item->angular_map->data()->setSize(n, n);
  item->angular_map->data()->setRange(QCPRange(1, n), QCPRange(1, n));
  for (int k = 0; k < n; ++k)
    for (int m = 0; m < n; ++m)
      item->angular_map->data()->setCell(k, m, (k < int(item->angular.size()) && m < int(item->angular[k].size()))
                                                    ? item->angular[k][m]
                                                    : kNaN);

  item->removal_bars->data()->clear();
  item->removal_bars->setPen(QPen(item->color.darker(115), 1));
  item->removal_bars->setBrush(item->color);
  for (std::size_t l = 0; l < item->removal.size(); ++l)
    if (!std::isnan(item->removal[l])) item->removal_bars->addData(double(l + 1), item->removal[l]);
  if (L >= 2) {
    item->deep_band->topLeft->setCoords(item->deep_first() - 0.5, 0);
    item->deep_band->bottomRight->setCoords(L + 0.5, 1);
    item->deep_label->position->setCoords(0.5 * (item->deep_first() - 0.5 + L + 0.5), 0.02);
  }
  item->deep_band->setVisible(L >= 2);
  item->deep_label->setVisible(L >= 2);

  // The table's numbers, as `runs compare` defines them for runs.
  item->final_ppl.reset();
  item->var_ratio.reset();
  item->near_identity.reset();
  item->deep_removal.reset();
  if (item->baseline_ppl > 0 && item->status == "analysed") item->final_ppl = item->baseline_ppl;
  if (L >= 1 && !std::isnan(item->variance[0]) && !std::isnan(item->variance[L - 1]))
    item->var_ratio = item->variance[L - 1] / item->variance[0];
  {
    int near = 0;
    bool all = L >= 1;
    for (int k = 0; k < L && all; ++k) {
      const double d = item->angular[k][0];  // d(k, k+1)
      if (std::isnan(d) && k < L) all = false;
      if (d < store::kNearIdentityAngularDistance) ++near;
    }
    if (all) item->near_identity = near;
  }
  if (L >= 2) {
    double sum = 0;
    int count = 0;
    for (int l = item->deep_first(); l <= L; ++l)
      if (!std::isnan(item->removal[l - 1])) {
        sum += item->removal[l - 1];
        ++count;
      }
    if (count == L / 2) item->deep_removal = sum / count;
    item->deep_label->setText(item->deep_removal ? QString("deepest half · mean ΔPPL %1").arg(num(*item->deep_removal, 4))
                                                 : QString("deepest half"));
  }

  QString message;
  if (!item->error.isEmpty()) {
    message = "Could not analyse this checkpoint:\n" + item->error;
  } else if (L == 0) {
    message = "Loading the checkpoint…";
  }
  item->variance_chart->set_message(message.isEmpty() && item->variance_graph->dataCount() == 0 ? "Computing…" : message);
  item->angular_chart->set_message(message.isEmpty() && item->variance_graph->dataCount() == 0 ? "Computing…" : message);
  item->removal_chart->set_message(message.isEmpty() && item->removal_bars->dataCount() == 0 ? "Waiting for the statistics…"
                                                                                          : message);
}

void ComparePanel::refit_checkpoints() {
  linking_ = true;
  const QList<Chart*> var = checkpoint_variance_charts(), ang = checkpoint_angular_charts(),
                      rem = checkpoint_removal_charts();
  int L = 1;
  for (Item* i : compared_items())
    if (i->kind == Item::checkpoint) L = std::max(L, i->layers);
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
  share(var);
  share(rem);
  // One colour range for every heatmap.
  double lo = std::numeric_limits<double>::max(), hi = -lo;
  for (Item* i : compared_items())
    for (const auto& row : i->angular)
      for (double d : row)
        if (std::isfinite(d)) {
          lo = std::min(lo, d);
          hi = std::max(hi, d);
        }
  for (Chart* c : ang) {
    auto* map = qobject_cast<QCPColorMap*>(c->plottable(0));
    if (map && lo <= hi) map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-6));
    set_range_quietly(c->xAxis, QCPRange(0.5, L + 0.5));
    set_range_quietly(c->yAxis, QCPRange(0.5, L + 0.5));
    c->replot(QCustomPlot::rpQueuedReplot);
  }
  linking_ = false;
}

// --- table, state -------------------------------------------------------------------------

void ComparePanel::rebuild_table() {
  const std::vector<Item*> items = compared_items();
  table_->setRowCount(static_cast<int>(items.size()));
  for (int r = 0; r < static_cast<int>(items.size()); ++r) {
    const Item* item = items[r];
    const bool run = item->kind == Item::run;
    const auto cell = [&](int c, const QString& text, bool number = true) {
      auto* w = new QTableWidgetItem(text);
      w->setTextAlignment((number ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
      table_->setItem(r, c, w);
      return w;
    };
    QTableWidgetItem* name = cell(0, item->label, false);
    name->setIcon(QIcon(swatch(item->color, item->style)));
    name->setToolTip(run ? QString("Run %1 of %2").arg(item->run_id).arg(db_path_) : item->path);
    cell(1, run ? "run" : "checkpoint", false);
    QTableWidgetItem* scheme = cell(2, item->scheme_text(), false);
    scheme->setForeground(item->color);
    cell(3, run ? QString("%1/%2").arg(item->step).arg(item->steps) : QString("—"));
    cell(4, opt_num(item->final_ppl, 5));
    cell(5, item->final_ppl ? item->ppl_source : QString("—"), false);
    cell(6, opt_num(item->var_ratio, 4));
    cell(7, item->near_identity ? QString("%1 of %2").arg(*item->near_identity).arg(item->layers) : QString("—"));
    cell(8, run ? QString("—") : opt_num(item->deep_removal, 4))
        ->setToolTip(run ? "Removal impact needs a checkpoint: add the run's checkpoint to compute it" : QString());
  }
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  const int rows_h = table_->verticalHeader()->length();
  table_->setFixedHeight(table_->horizontalHeader()->height() + rows_h + 2 * table_->frameWidth() + 2);
}

CsvTable ComparePanel::table_csv() const {
  CsvTable t{{"item", "kind", "scheme", "step", "steps", "final_val_ppl", "ppl_measured_on", "residual_variance_ratio",
              "near_identity_layers", "layers", "deep_half_mean_delta_ppl"},
             {}};
  const auto opt = [](const auto& v) { return v ? csv_num(double(*v)) : QString(); };
  for (const Item* item : compared_items()) {
    const bool run = item->kind == Item::run;
    t.rows << QStringList{item->label,
                          run ? "run" : "checkpoint",
                          item->scheme ? QString::fromStdString(to_string(*item->scheme)) : QString(),
                          run ? QString::number(item->step) : QString(),
                          run ? QString::number(item->steps) : QString(),
                          opt(item->final_ppl),
                          item->final_ppl ? item->ppl_source : QString(),
                          opt(item->var_ratio),
                          item->near_identity ? QString::number(*item->near_identity) : QString(),
                          item->layers > 0 ? QString::number(item->layers) : QString(),
                          opt(item->deep_removal)};
  }
  return t;
}

bool ComparePanel::busy() const {
  if (runs_loading_) return true;
  for (const auto& i : items_)
    if (i->runner && i->runner->running()) return true;
  return false;
}

QString ComparePanel::status_text() const { return status_label_->text(); }

QString ComparePanel::empty_message() const { return compared_items().empty() ? empty_label_->text() : QString(); }

void ComparePanel::update_visibility() {
  const std::vector<Item*> items = compared_items();
  bool runs = false, ckpts = false;
  for (Item* i : items) (i->kind == Item::run ? runs : ckpts) = true;
  empty_label_->setText(db_path_.isEmpty() && !ckpts
                            ? "Drop checkpoints here, or open a workspace with a run database and tick two runs"
                            : "Tick two runs or drop checkpoints here");
  empty_label_->setVisible(items.empty());
  runs_section_->setVisible(runs);
  checkpoint_section_->setVisible(ckpts);
  table_->setVisible(!items.empty());
  export_button_->setEnabled(!items.empty());
  csv_button_->setEnabled(!items.empty());
}

void ComparePanel::update_status() {
  QString text = status_;
  if (text.isEmpty()) {
    const std::size_t n = compared_items().size();
    if (runs_loading_)
      text = "Reading the run database…";
    else if (busy())
      text = "Analysing checkpoints…";
    else if (n == 1)
      text = "One item shown: tick a run or drop a checkpoint to compare it with another.";
    else if (n > 1)
      text = QString("Comparing %1 items.").arg(n);
    else
      text = db_path_.isEmpty() ? "No run database is open." : QString("Runs of %1").arg(QFileInfo(db_path_).fileName());
  }
  status_label_->setText(text);
}

// --- drag and drop ------------------------------------------------------------------------

void ComparePanel::dragEnterEvent(QDragEnterEvent* event) {
  if (!runs_from_mime_data(event->mimeData()).isEmpty()) {
    event->acceptProposedAction();
    return;
  }
  if (!event->mimeData()->hasUrls()) return;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) {
      event->acceptProposedAction();
      return;
    }
}

void ComparePanel::dropEvent(QDropEvent* event) {
  const QList<qint64> runs = runs_from_mime_data(event->mimeData());
  if (!runs.isEmpty()) {  // runs dragged from the workspace: tick them
    add_runs(runs);
    event->acceptProposedAction();
    return;
  }
  bool any = false;
  for (const QUrl& url : event->mimeData()->urls()) {
    if (!url.isLocalFile()) continue;
    const QString path = url.toLocalFile();
    const QString ext = QFileInfo(path).suffix().toLower();
    if (QFileInfo(path).isFile() && (ext == "db" || ext == "sqlite" || ext == "sqlite3"))
      any = set_database(path) || any;
    else
      any = add_checkpoint(path) || any;
  }
  if (any) event->acceptProposedAction();
}

// --- export -------------------------------------------------------------------------------

namespace {
constexpr int kCellW = 560, kCellH = 380, kGap = 16, kMargin = 28, kTitleH = 70, kHeadingH = 30;
constexpr int kRowH = 26, kTableHeaderH = 30;
}  // namespace

QList<QList<Chart*>> ComparePanel::export_rows() const {
  QList<QList<Chart*>> rows;
  if (!checked_runs().isEmpty()) rows << QList<Chart*>{loss_chart_, ppl_chart_, run_variance_chart_};
  const QList<Chart*> v = checkpoint_variance_charts();
  if (!v.isEmpty()) rows << v << checkpoint_angular_charts() << checkpoint_removal_charts();
  return rows;
}

QSize ComparePanel::comparison_size() const {
  const QList<QList<Chart*>> rows = export_rows();
  int cols = 2;
  for (const auto& r : rows) cols = std::max(cols, int(r.size()));
  const int width = 2 * kMargin + cols * kCellW + (cols - 1) * kGap;
  int height = kMargin + kTitleH;
  const bool runs = !checked_runs().isEmpty();
  const bool ckpts = !checkpoint_variance_charts().isEmpty();
  if (runs) height += kHeadingH + kCellH + kGap;
  if (ckpts) height += kHeadingH + 3 * kCellH + 2 * kGap + kGap;
  height += kHeadingH + kTableHeaderH + kRowH * int(compared_items().size()) + kMargin;
  return QSize(width, height);
}

void ComparePanel::paint_comparison(QCPPainter* p, QSize size) {
  p->fillRect(QRect(QPoint(0, 0), size), chart_background_color());
  QFont base = font();
  const auto set_font = [&](double pt, bool bold) {
    QFont f = base;
    f.setPointSizeF(pt);
    f.setBold(bold);
    p->setFont(f);
  };
  // Title and what is compared.
  p->setPen(chart_text_color());
  set_font(17, true);
  p->drawText(QRect(kMargin, kMargin, size.width() - 2 * kMargin, 30), Qt::AlignLeft | Qt::AlignVCenter,
              "DepthScope comparison");
  QStringList names;
  for (Item* i : compared_items()) names << QString("%1 (%2)").arg(i->label, i->scheme_text());
  set_font(10, false);
  p->setPen(hint_text_color());
  p->drawText(QRect(kMargin, kMargin + 32, size.width() - 2 * kMargin, 22), Qt::AlignLeft | Qt::AlignVCenter,
              QString("%1 · %2 · DepthScope %3")
                  .arg(names.join(", "), QDateTime::currentDateTime().toString("yyyy-MM-dd HH:mm"), DEPTHSCOPE_VERSION));
  int y = kMargin + kTitleH;
  const auto heading = [&](const QString& text) {
    set_font(12, true);
    p->setPen(chart_text_color());
    p->drawText(QRect(kMargin, y, size.width() - 2 * kMargin, kHeadingH), Qt::AlignLeft | Qt::AlignVCenter, text);
    y += kHeadingH;
  };
  const auto draw_row = [&](const QList<Chart*>& row) {
    // A row with fewer charts than the widest one stretches them across the page.
    const int n = std::max(1, int(row.size()));
    const int cell_w = std::min((size.width() - 2 * kMargin - (n - 1) * kGap) / n, 2 * kCellW);
    int x = kMargin;
    for (Chart* c : row) {
      p->save();
      p->translate(x, y);
      c->toPainter(p, cell_w, kCellH);
      p->restore();
      p->setPen(QPen(chart_grid_color(), 1));
      p->setBrush(Qt::NoBrush);
      p->drawRect(QRect(x, y, cell_w, kCellH));
      x += cell_w + kGap;
    }
    y += kCellH + kGap;
  };
  const bool crosshair = crosshair_visible();
  if (crosshair) hide_crosshair();
  if (!checked_runs().isEmpty()) {
    heading("Runs · training curves on one step axis");
    draw_row({loss_chart_, ppl_chart_, run_variance_chart_});
  }
  if (!checkpoint_variance_charts().isEmpty()) {
    heading("Checkpoints · variance by depth, angular distance, removal impact");
    draw_row(checkpoint_variance_charts());
    draw_row(checkpoint_angular_charts());
    draw_row(checkpoint_removal_charts());
  }
  if (crosshair) set_crosshair(crosshair_x_);

  // The difference table.
  heading("Difference table (as depthscope-cli runs compare)");
  const int width = size.width() - 2 * kMargin;
  const int ncol = table_->columnCount();
  QVector<double> weights(ncol, 1.0);
  weights[0] = 2.2;
  weights[5] = 1.6;
  weights[7] = 1.3;
  weights[8] = 1.5;
  double total = 0;
  for (double w : weights) total += w;
  QVector<int> xs(ncol + 1, kMargin);
  for (int c = 0; c < ncol; ++c) xs[c + 1] = xs[c] + int(width * weights[c] / total);
  p->fillRect(QRect(kMargin, y, width, kTableHeaderH), QColor(0xF2, 0xF4, 0xF7));
  set_font(9.5, true);
  p->setPen(chart_text_color());
  for (int c = 0; c < ncol; ++c)
    p->drawText(QRect(xs[c] + 6, y, xs[c + 1] - xs[c] - 12, kTableHeaderH),
                (c <= 2 || c == 5 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter,
                table_->horizontalHeaderItem(c)->text());
  y += kTableHeaderH;
  set_font(9.5, false);
  const std::vector<Item*> items = compared_items();
  for (int r = 0; r < table_->rowCount() && r < int(items.size()); ++r) {
    if (r % 2 == 1) p->fillRect(QRect(kMargin, y, width, kRowH), QColor(0xF8, 0xF9, 0xFB));
    for (int c = 0; c < ncol; ++c) {
      const QTableWidgetItem* it = table_->item(r, c);
      if (!it) continue;
      QRect cell(xs[c] + 6, y, xs[c + 1] - xs[c] - 12, kRowH);
      if (c == 0) {
        const QPixmap sw = swatch(items[r]->color, items[r]->style);
        p->drawPixmap(cell.x(), y + (kRowH - sw.height()) / 2, sw);
        cell.adjust(sw.width() + 6, 0, 0, 0);
      }
      p->setPen(c == 2 ? items[r]->color : chart_text_color());
      p->drawText(cell, (c <= 2 || c == 5 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter,
                  p->fontMetrics().elidedText(it->text(), Qt::ElideRight, cell.width()));
    }
    y += kRowH;
  }
  p->setPen(QPen(chart_grid_color(), 1));
  p->drawLine(QLineF(kMargin, y, kMargin + width, y));
}

bool ComparePanel::export_comparison(const QString& path, QString* error) {
  const QString ext = QFileInfo(path).suffix().toLower();
  const auto fail = [&](const QString& problem) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, problem);
    return false;
  };
  if (ext == "csv") return save_csv(table_csv(), path, error);
  if (compared_items().empty()) return fail("there is nothing to compare yet (tick runs or add checkpoints)");
  const QSize size = comparison_size();
  bool ok = false;
  if (ext == "png") {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(chart_background_color());
    QCPPainter painter;
    ok = painter.begin(&image);
    if (ok) {
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setRenderHint(QPainter::TextAntialiasing);
      paint_comparison(&painter, size);
      painter.end();
      ok = image.save(path, "PNG");
    }
  } else if (ext == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle("DepthScope comparison");
    svg.setDescription(QString("Exported by DepthScope %1").arg(DEPTHSCOPE_VERSION));
    QCPPainter painter;
    ok = painter.begin(&svg);
    if (ok) {
      paint_comparison(&painter, size);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else if (ext == "pdf") {
    QPdfWriter pdf(path);
    pdf.setResolution(72);  // one device unit = one point
    pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point, "comparison", QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setTitle("DepthScope comparison");
    pdf.setCreator(QString("DepthScope %1").arg(DEPTHSCOPE_VERSION));
    QCPPainter painter;
    ok = painter.begin(&pdf);
    if (ok) {
      paint_comparison(&painter, size);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else {
    return fail(QString("unknown format '.%1'; use .png, .svg, .pdf or .csv").arg(ext));
  }
  for (Chart* c : findChildren<Chart*>()) c->replot(QCustomPlot::rpQueuedReplot);
  if (!ok) return fail("the file could not be created (check the folder exists and is writable)");
  return true;
}

void ComparePanel::export_dialog() {
  QSettings settings;
  const QString dir =
      settings.value("export/dir", QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).toString();
  QString selected = "PNG image (*.png)";
  const QString path = QFileDialog::getSaveFileName(this, "Export comparison", dir + "/comparison.png",
                                                    "PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)",
                                                    &selected);
  if (path.isEmpty()) return;
  QString out = path;
  if (QFileInfo(out).suffix().isEmpty()) {
    const int star = selected.indexOf("*.");
    out += selected.mid(star + 1, selected.indexOf(')', star) - star - 1);
  }
  QString error;
  if (!export_comparison(out, &error)) {
    show_error(this, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  settings.setValue("export/dir", QFileInfo(out).absolutePath());
  emit log("Compare: wrote " + out);
}

void ComparePanel::export_table_dialog() {
  QSettings settings;
  const QString dir =
      settings.value("export/dir", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).toString();
  QString path = QFileDialog::getSaveFileName(this, "Export difference table", dir + "/comparison.csv",
                                              "CSV table (*.csv)");
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += ".csv";
  QString error;
  if (!save_csv(table_csv(), path, &error)) {
    show_error(this, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  settings.setValue("export/dir", QFileInfo(path).absolutePath());
  emit log("Compare: wrote " + path);
}

void ComparePanel::add_checkpoint_dialog() {
  QSettings settings;
  const QString dir = settings.value("compare/dir", QDir::homePath()).toString();
  const QString path = QFileDialog::getOpenFileName(
      this, "Add checkpoint", dir,
      "Checkpoints (*.safetensors *.bin config.json);;All files (*)");
  if (path.isEmpty()) return;
  settings.setValue("compare/dir", QFileInfo(path).absolutePath());
  if (!add_checkpoint(path) && find_checkpoint(path)) {
    status_ = QString("%1 is already in the comparison").arg(path);
    update_status();
  }
}

}  // namespace depthscope::ui
