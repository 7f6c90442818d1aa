#include "ui/compare/compare_panel.h"

#include <QCheckBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include "core/runtime/progress.h"
#include "ui/compare/checkpoint_analyses.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/compare/compare_list.h"
#include "ui/compare/comparison_export.h"
#include "ui/compare/difference_table_model.h"
#include "ui/compare/difference_table_view.h"
#include "ui/compare/seed_statistics_model.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/run_reader.h"
#include "ui/compare/section_heading.h"
#include "ui/shared/chart.h"
#include "ui/shared/error_dialog.h"
#include "ui/shared/palette.h"
#include "ui/shared/workspace_drag.h"

namespace depthscope::ui {

ComparePanel::ComparePanel(JobList* jobs, QWidget* parent)
    : QWidget(parent),
      jobs_(jobs),
      reader_(new RunReader(this)),
      analyses_(new CheckpointAnalyses(jobs, this)),
      table_model_(new DifferenceTableModel(this)),
      seeds_model_(new SeedStatisticsModel(this)) {
  setAcceptDrops(true);
  QWidget* left_widget = make_controls();

  // --- right: charts and table ------------------------------------------------------------
  empty_label_ = new QLabel("Tick two runs or drop checkpoints here");
  empty_label_->setObjectName("compare_empty");
  empty_label_->setAlignment(Qt::AlignCenter);
  empty_label_->setWordWrap(true);
  empty_label_->setMinimumHeight(260);
  empty_label_->setStyleSheet(QString("color: %1; font-size: 16pt; border: 2px dashed %2; border-radius: 10px;")
                                  .arg(hint_text_color().name(), chart_grid_color().darker(115).name()));
  empty_label_->setToolTip("Runs: tick them in the list. Checkpoints: drop folders or files here, or Add checkpoint…");
  runs_view_ = new RunComparisonView;
  grid_ = new CheckpointGrid;
  table_ = new DifferenceTableView(table_model_, "difference_table",
                                   "The numbers of `depthscope-cli runs compare`, one row per compared run or checkpoint");
  seeds_table_ = new DifferenceTableView(
      seeds_model_, "seeds_table",
      "Ticked runs grouped by scheme (their seeds), as `depthscope-cli runs compare --json` gives them: mean ± sample "
      "standard deviation, the difference of means with its 95% confidence interval and Welch's t-test p-value");
  seeds_heading_ = section_heading("Seeds: per scheme mean ± sd, differences with 95% CI and Welch's t-test");

  auto* content = new QWidget;
  auto* right = new QVBoxLayout(content);
  right->setContentsMargins(4, 4, 4, 4);
  right->setSpacing(8);
  right->addWidget(empty_label_);
  right->addWidget(runs_view_);
  right->addWidget(grid_);
  right->addWidget(section_heading("Difference table (as `depthscope-cli runs compare`)"));
  right->addWidget(table_);
  right->addWidget(seeds_heading_);
  right->addWidget(seeds_table_);
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
  connect(poll_timer_, &QTimer::timeout, this, [this] {
    if (!reader_->busy()) refresh_runs();
  });

  connect(reader_, &RunReader::read_done, this, &ComparePanel::apply_runs);
  connect(reader_, &RunReader::finished, this, [this] {
    update_status();
    if (!busy()) emit idle();
  });
  connect(reader_, &RunReader::failed, this, [this](const QString& message) {
    status_ = "Could not read the runs: " + message;
    update_status();
    emit log("Compare: " + status_);
    if (!busy()) emit idle();
  });

  connect(analyses_, &CheckpointAnalyses::log, this, &ComparePanel::log);
  connect(analyses_, &CheckpointAnalyses::layers_known, this, [this](CompareItem*) {
    restyle();
    grid_->rebuild(items_.compared());
  });
  connect(analyses_, &CheckpointAnalyses::updated, this, [this](CompareItem* item) {
    item->update_checkpoint_numbers();
    grid_->draw(item);
    grid_->refit();
    table_model_->refresh();
    emit updated();
  });
  connect(analyses_, &CheckpointAnalyses::progress, this, [this](CompareItem* item, const QString& stage, double eta) {
    list_->refresh(item, db_path_);
    status_ = QString("%1: %2 · ETA %3").arg(item->label, stage, QString::fromStdString(format_duration(eta)));
    update_status();
  });
  connect(analyses_, &CheckpointAnalyses::ended, this, &ComparePanel::analysis_ended);
  connect(analyses_, &CheckpointAnalyses::device_refused, this, [this](CompareItem* item, const QString& message) {
    emit device_refused(message);
    // Analysed again once the device is one this process can use (the runner is deleted
    // outside its own signal).
    if (device_unavailable_reason(device_).empty())
      QTimer::singleShot(0, this, [this, path = item->path] {
        if (!items_.find_checkpoint(path)) return;
        remove_checkpoint(path);
        add_checkpoint(path);
      });
  });

  remove_button_->setEnabled(false);
  refresh_button_->setEnabled(false);
  update_visibility();
  rebuild_table();
  update_status();
}

ComparePanel::~ComparePanel() {
  reader_->abandon();
  // The analyses' runners are children of analyses_: its destructor abandons them, theirs wait.
}

QWidget* ComparePanel::make_controls() {
  const QString hint = QString("color: %1").arg(hint_text_color().name());
  auto* heading = new QLabel("<b>Compare</b>");
  auto* help = new QLabel("Tick runs of the workspace's run database, or drop checkpoint folders or "
                          "files anywhere on this tab.");
  help->setWordWrap(true);
  help->setStyleSheet(hint);
  list_ = new CompareList;
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
  choices_button_ = new QPushButton("Choices…");
  choices_button_->setObjectName("compare_choices");
  choices_button_->setToolTip("A multiple-choice set (JSONL: lm-eval, DepthScope, ARC, HellaSwag, PIQA or MMLU rows) "
                              "scored with each layer removed for checkpoints added from now on, as "
                              "lm-evaluation-harness scores it");
  removal_metric_box_ = new QComboBox;
  removal_metric_box_->setObjectName("compare_removal_metric");
  removal_metric_box_->addItems({"ΔPPL", "Δacc", "Δacc_norm"});
  removal_metric_box_->setToolTip("What the checkpoints' removal charts show per removed layer: the perplexity "
                                  "change, or the change of acc / acc_norm on the multiple-choice set (±1 stderr)");
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
  auto* row3 = new QHBoxLayout;
  row3->addWidget(choices_button_, 1);
  row3->addWidget(removal_metric_box_);
  left->addLayout(row3);
  left->addSpacing(6);
  left->addWidget(export_button_);
  left->addWidget(csv_button_);
  left->addWidget(status_label_);
  auto* left_widget = new QWidget;
  left_widget->setLayout(left);
  left_widget->setMaximumWidth(340);

  connect(list_, &CompareList::toggled, this, &ComparePanel::on_toggled);
  connect(list_, &QListWidget::currentItemChanged, this, [this] { remove_button_->setEnabled(list_->current_checkpoint()); });
  connect(add_button_, &QPushButton::clicked, this, &ComparePanel::add_checkpoint_dialog);
  connect(remove_button_, &QPushButton::clicked, this, [this] {
    if (CompareItem* item = list_->current_checkpoint()) remove_checkpoint(item->path);
  });
  connect(refresh_button_, &QPushButton::clicked, this, &ComparePanel::refresh_runs);
  connect(tokens_box_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int v) { eval_tokens_ = v; });
  connect(log_box_, &QCheckBox::toggled, this, [this](bool on) {
    runs_view_->variance_chart()->set_log_y(on);
    grid_->set_log_y(on);
  });
  connect(choices_button_, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Multiple-choice set", QString(), "JSON lines (*.jsonl *.json);;All files (*)");
    if (!f.isEmpty()) set_choices_file(f);
  });
  connect(removal_metric_box_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { grid_->set_removal_metric(static_cast<RemovalBars::Metric>(i)); });
  connect(export_button_, &QPushButton::clicked, this, &ComparePanel::export_dialog);
  connect(csv_button_, &QPushButton::clicked, this, &ComparePanel::export_table_dialog);
  return left_widget;
}

// --- parts ----------------------------------------------------------------------------------

Chart* ComparePanel::loss_chart() const { return runs_view_->loss_chart(); }
Chart* ComparePanel::ppl_chart() const { return runs_view_->ppl_chart(); }
Chart* ComparePanel::run_variance_chart() const { return runs_view_->variance_chart(); }
QList<Chart*> ComparePanel::checkpoint_variance_charts() const { return grid_->variance_charts(); }
QList<Chart*> ComparePanel::checkpoint_angular_charts() const { return grid_->angular_charts(); }
QList<Chart*> ComparePanel::checkpoint_removal_charts() const { return grid_->removal_charts(); }
Crosshair* ComparePanel::crosshair() const { return runs_view_->crosshair(); }

QList<std::int64_t> ComparePanel::listed_runs() const {
  QList<std::int64_t> out;
  for (const CompareItem* i : items_.all())
    if (i->kind == CompareItem::run) out << i->run_id;
  return out;
}

QList<std::int64_t> ComparePanel::checked_runs() const {
  QList<std::int64_t> out;
  for (const CompareItem* i : items_.all())
    if (i->kind == CompareItem::run && i->checked) out << i->run_id;
  return out;
}

QStringList ComparePanel::checkpoints() const {
  QStringList out;
  for (const CompareItem* i : items_.all())
    if (i->kind == CompareItem::checkpoint) out << i->path;
  return out;
}

void ComparePanel::restyle() {
  items_.assign_styles();
  for (const CompareItem* i : items_.all()) list_->refresh(i, db_path_);
}

void ComparePanel::on_toggled(CompareItem* item, bool checked) {
  item->checked = checked;
  restyle();
  if (item->kind == CompareItem::run)
    read_runs();
  else
    grid_->rebuild(items_.compared());
  redraw_runs();
  rebuild_table();
  update_visibility();
  update_status();
}

// --- runs -----------------------------------------------------------------------------------

bool ComparePanel::set_database(const QString& path) {
  poll_timer_->stop();
  reader_->abandon();
  for (const CompareItem* i : items_.all())
    if (i->kind == CompareItem::run) list_->remove(i);
  items_.remove_runs();
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
  restyle();
  redraw_runs();
  rebuild_table();
  update_visibility();
  update_status();
  return ok && status_.isEmpty();
}

void ComparePanel::reset_views() {
  runs_view_->refit();
  grid_->refit();
}

void ComparePanel::apply_runs(const std::vector<RunCurves>& runs) {
  for (const RunCurves& d : runs) {
    CompareItem* item = items_.find_run(d.id);
    if (!item) continue;
    apply_curves(item, d);
    list_->refresh(item, db_path_);
  }
  redraw_runs();
  rebuild_table();
  update_status();
  emit updated();
}

void ComparePanel::redraw_runs() { runs_view_->draw(items_.compared(), !checked_runs().isEmpty(), reader_->busy()); }

// --- checkpoints ----------------------------------------------------------------------------

bool ComparePanel::add_checkpoint(const QString& path) {
  const QString p = normalise_checkpoint(path);
  if (p.isEmpty()) {
    status_ = QString("No checkpoint at %1").arg(path);
    update_status();
    return false;
  }
  if (items_.find_checkpoint(p)) return false;
  auto owned = std::make_unique<CompareItem>();
  owned->kind = CompareItem::checkpoint;
  owned->path = p;
  owned->label = checkpoint_label(p);
  owned->checked = true;
  owned->status = "waiting";
  CompareItem* item = items_.add(std::move(owned));
  list_->add(item);
  restyle();
  AnalysisSettings settings;
  settings.tokens = eval_tokens_;
  settings.n_ctx = eval_n_ctx_;
  settings.text = eval_text_;
  settings.choices = choices_file_;
  settings.device = device_;
  analyses_->start(item, settings);
  grid_->rebuild(items_.compared());
  rebuild_table();
  update_visibility();
  update_status();
  emit log(QString("Compare: analysing %1%2")
               .arg(p, device_.is_cuda() ? QString(" on %1").arg(QString::fromStdString(device_.name())) : QString()));
  return true;
}

void ComparePanel::remove_checkpoint(const QString& path) {
  CompareItem* item = items_.find_checkpoint(path);
  if (!item) return;
  analyses_->stop(item);
  list_->remove(item);
  grid_->forget(item);
  table_model_->set_items({}, db_path_);  // before the item goes
  items_.remove(item);
  restyle();
  grid_->rebuild(items_.compared());
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

void ComparePanel::set_choices_file(const QString& path) {
  choices_file_ = path;
  choices_button_->setText(path.isEmpty() ? QString("Choices…") : QFileInfo(path).fileName());
  emit log(QString("Compare: multiple-choice set %1 for the checkpoints added from now on").arg(path));
}

void ComparePanel::set_removal_metric(int metric) { removal_metric_box_->setCurrentIndex(metric); }

void ComparePanel::analysis_ended(CompareItem* item) {
  list_->refresh(item, db_path_);
  item->update_checkpoint_numbers();
  grid_->draw(item);
  grid_->refit();
  rebuild_table();
  status_.clear();
  update_status();
  emit updated();
  if (!busy()) emit idle();
}

// --- table, state ---------------------------------------------------------------------------

void ComparePanel::rebuild_table() {
  const std::vector<CompareItem*> compared = items_.compared();
  table_model_->set_items(std::vector<const CompareItem*>(compared.begin(), compared.end()), db_path_);
  seeds_model_->set_items(std::vector<const CompareItem*>(compared.begin(), compared.end()));
  seeds_heading_->setVisible(seeds_model_->rowCount() > 0);
  seeds_table_->setVisible(seeds_model_->rowCount() > 0);
}

CsvTable ComparePanel::table_csv() const { return table_model_->csv(); }

bool ComparePanel::busy() const { return reader_->busy() || analyses_->busy(); }

QString ComparePanel::status_text() const { return status_label_->text(); }

QString ComparePanel::empty_message() const { return items_.compared().empty() ? empty_label_->text() : QString(); }

void ComparePanel::update_visibility() {
  const std::vector<CompareItem*> items = items_.compared();
  bool runs = false, ckpts = false;
  for (CompareItem* i : items) (i->kind == CompareItem::run ? runs : ckpts) = true;
  empty_label_->setText(db_path_.isEmpty() && !ckpts
                            ? "Drop checkpoints here, or open a workspace with a run database and tick two runs"
                            : "Tick two runs or drop checkpoints here");
  empty_label_->setVisible(items.empty());
  runs_view_->setVisible(runs);
  grid_->setVisible(ckpts);
  table_->setVisible(!items.empty());
  export_button_->setEnabled(!items.empty());
  csv_button_->setEnabled(!items.empty());
}

void ComparePanel::update_status() {
  QString text = status_;
  if (text.isEmpty()) {
    const std::size_t n = items_.compared().size();
    if (reader_->busy())
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

// --- drag and drop --------------------------------------------------------------------------

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

// --- export ---------------------------------------------------------------------------------

ComparisonPage ComparePanel::page() const {
  ComparisonPage page;
  if (!checked_runs().isEmpty()) page.runs = {loss_chart(), ppl_chart(), run_variance_chart()};
  if (!grid_->variance_charts().isEmpty())
    page.checkpoints = {grid_->variance_charts(), grid_->angular_charts(), grid_->removal_charts()};
  const std::vector<CompareItem*> compared = items_.compared();
  page.items.assign(compared.begin(), compared.end());
  page.table = table_model_;
  page.font = font();
  return page;
}

QSize ComparePanel::comparison_size() const { return ui::comparison_size(page()); }

bool ComparePanel::export_comparison(const QString& path, QString* error) {
  if (QFileInfo(path).suffix().toLower() == "csv") return save_csv(table_csv(), path, error);
  // The page shows the data, not where the mouse happened to be.
  const bool crosshair_shown = crosshair()->visible();
  if (crosshair_shown) crosshair()->hide();
  const bool ok = write_comparison(path, page(), error);
  if (crosshair_shown) crosshair()->set(crosshair()->x());
  for (Chart* c : findChildren<Chart*>()) c->replot(QCustomPlot::rpQueuedReplot);
  return ok;
}

void ComparePanel::export_dialog() {
  const QString out = ask_comparison_path(this);
  if (out.isEmpty()) return;
  QString error;
  if (!export_comparison(out, &error)) {
    show_error(this, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  remember_export_folder(out);
  emit log("Compare: wrote " + out);
}

void ComparePanel::export_table_dialog() {
  const QString path = ask_table_path(this);
  if (path.isEmpty()) return;
  QString error;
  if (!save_csv(table_csv(), path, &error)) {
    show_error(this, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  remember_export_folder(path);
  emit log("Compare: wrote " + path);
}

void ComparePanel::add_checkpoint_dialog() {
  QSettings settings;
  const QString dir = settings.value("compare/dir", QDir::homePath()).toString();
  const QString path = QFileDialog::getOpenFileName(this, "Add checkpoint", dir,
                                                    "Checkpoints (*.safetensors *.bin config.json);;All files (*)");
  if (path.isEmpty()) return;
  settings.setValue("compare/dir", QFileInfo(path).absolutePath());
  if (!add_checkpoint(path) && items_.find_checkpoint(path)) {
    status_ = QString("%1 is already in the comparison").arg(path);
    update_status();
  }
}

}  // namespace depthscope::ui
