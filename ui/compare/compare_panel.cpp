#include "ui/compare/compare_panel.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QScrollArea>
#include <QUrl>
#include <QVBoxLayout>

#include "core/runtime/progress.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_controls.h"
#include "ui/compare/compare_list.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/comparison_exporter.h"
#include "ui/compare/difference_table_model.h"
#include "ui/compare/difference_table_view.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/section_heading.h"
#include "ui/compare/seed_statistics_model.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shared/workspace_drag.h"

namespace depthscope::ui {

ComparePanel::ComparePanel(JobList* jobs, QWidget* parent)
    : QWidget(parent),
      controls_(new CompareControls(AnalysisSettings().tokens)),
      runs_(new CompareRuns(&items_, controls_->list(), this)),
      checkpoints_(new CompareCheckpoints(jobs, &items_, controls_->list(), this)),
      table_model_(new DifferenceTableModel(this)),
      seeds_model_(new SeedStatisticsModel(this)) {
  setAcceptDrops(true);

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
  table_heading_ = section_heading("Difference table (as `depthscope-cli runs compare`)");
  right->addWidget(table_heading_);
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
  root->addWidget(controls_);
  root->addWidget(scroll, 1);

  exporter_ = new ComparisonExporter([this] { return page(); }, runs_view_->crosshair(), this);
  connect_parts();
  update_visibility();
  rebuild_table();
  update_status();
}

ComparePanel::~ComparePanel() {
  // The parts go first, telling this half-destroyed panel nothing: the read is abandoned,
  // and each analysis is cancelled and its thread waited for.
  runs_->disconnect(this);
  checkpoints_->disconnect(this);
  delete runs_;
  delete checkpoints_;
}

void ComparePanel::connect_parts() {
  CompareList* list = controls_->list();
  connect(list, &CompareList::toggled, this, &ComparePanel::on_toggled);
  connect(controls_, &CompareControls::add_clicked, this, [this] { checkpoints_->add_dialog(this); });
  connect(controls_, &CompareControls::remove_clicked, this, [this, list] {
    if (CompareItem* item = list->current_checkpoint()) checkpoints_->remove(item->path);
  });
  connect(controls_, &CompareControls::refresh_clicked, runs_, &CompareRuns::refresh);
  connect(controls_, &CompareControls::tokens_changed, this,
          [this](int v) { checkpoints_->set_evaluation(v, checkpoints_->settings().n_ctx); });
  connect(controls_, &CompareControls::log_y_toggled, this, [this](bool on) {
    runs_view_->variance_chart()->set_log_y(on);
    grid_->set_log_y(on);
  });
  connect(controls_, &CompareControls::choices_chosen, checkpoints_, &CompareCheckpoints::set_choices_file);
  connect(controls_, &CompareControls::removal_metric_changed, this,
          [this](int i) { grid_->set_removal_metric(static_cast<RemovalBars::Metric>(i)); });
  connect(controls_, &CompareControls::export_clicked, exporter_, &ComparisonExporter::export_dialog);
  connect(controls_, &CompareControls::csv_clicked, exporter_, &ComparisonExporter::export_table_dialog);
  connect(exporter_, &ComparisonExporter::log, this, &ComparePanel::log);

  connect(runs_, &CompareRuns::database_changed, this, [this] {
    controls_->set_database_open(!runs_->database().isEmpty());
    redraw_all(false);
  });
  connect(runs_, &CompareRuns::listed_changed, this, [this] {
    restyle();
    update_status();
  });
  connect(runs_, &CompareRuns::curves_read, this, [this] {
    runs_view_->draw(items_.compared(), !runs_->checked().isEmpty(), runs_->busy());
    rebuild_table();
    update_status();
    emit updated();
  });
  connect(runs_, &CompareRuns::finished, this, [this] {
    update_status();
    check_idle();
  });
  connect(runs_, &CompareRuns::status, this, &ComparePanel::set_status);
  connect(runs_, &CompareRuns::log, this, &ComparePanel::log);

  connect(checkpoints_, &CompareCheckpoints::added, this, [this] { redraw_all(true); });
  connect(checkpoints_, &CompareCheckpoints::removing, this, [this](CompareItem* item) {
    grid_->forget(item);
    table_model_->set_items({}, runs_->database());  // before the item goes
  });
  connect(checkpoints_, &CompareCheckpoints::removed, this, [this] {
    redraw_all(true);
    check_idle();
  });
  connect(checkpoints_, &CompareCheckpoints::tokens_changed, controls_, &CompareControls::set_tokens);
  connect(checkpoints_, &CompareCheckpoints::choices_changed, controls_, &CompareControls::set_choices_name);
  connect(checkpoints_, &CompareCheckpoints::layers_known, this, [this](CompareItem*) {
    restyle();
    grid_->rebuild(items_.compared());
  });
  connect(checkpoints_, &CompareCheckpoints::updated, this, [this](CompareItem* item) {
    item->update_checkpoint_numbers();
    grid_->draw(item);
    grid_->refit();
    table_model_->refresh();
    emit updated();
  });
  connect(checkpoints_, &CompareCheckpoints::progress, this, [this](CompareItem* item, const QString& stage, double eta) {
    controls_->list()->refresh(item, runs_->database());
    status_ = QString("%1: %2 · ETA %3").arg(item->label, stage, QString::fromStdString(format_duration(eta)));
    update_status();
  });
  connect(checkpoints_, &CompareCheckpoints::ended, this, [this](CompareItem* item) {
    controls_->list()->refresh(item, runs_->database());
    item->update_checkpoint_numbers();
    grid_->draw(item);
    grid_->refit();
    rebuild_table();
    status_.clear();
    update_status();
    emit updated();
    check_idle();
  });
  connect(checkpoints_, &CompareCheckpoints::device_refused, this, &ComparePanel::device_refused);
  connect(checkpoints_, &CompareCheckpoints::status, this, &ComparePanel::set_status);
  connect(checkpoints_, &CompareCheckpoints::log, this, &ComparePanel::log);
}

void ComparePanel::restyle() {
  items_.assign_styles();
  for (const CompareItem* i : items_.all()) controls_->list()->refresh(i, runs_->database());
}

void ComparePanel::on_toggled(CompareItem* item, bool checked) {
  item->checked = checked;
  if (item->kind == CompareItem::run) runs_->read();
  redraw_all(item->kind == CompareItem::checkpoint);
}

void ComparePanel::redraw_all(bool grid) {
  restyle();
  if (grid) grid_->rebuild(items_.compared());
  runs_view_->draw(items_.compared(), !runs_->checked().isEmpty(), runs_->busy());
  rebuild_table();
  update_visibility();
  update_status();
}

void ComparePanel::reset_views() {
  runs_view_->refit();
  grid_->refit();
}

// --- table, state ---------------------------------------------------------------------------

void ComparePanel::rebuild_table() {
  const std::vector<CompareItem*> compared = items_.compared();
  table_model_->set_items(std::vector<const CompareItem*>(compared.begin(), compared.end()), runs_->database());
  seeds_model_->set_items(std::vector<const CompareItem*>(compared.begin(), compared.end()));
  seeds_heading_->setVisible(seeds_model_->rowCount() > 0);
  seeds_table_->setVisible(seeds_model_->rowCount() > 0);
}

bool ComparePanel::busy() const { return runs_->busy() || checkpoints_->busy(); }

void ComparePanel::check_idle() {
  if (!busy()) emit idle();
}

QString ComparePanel::status_text() const { return controls_->status(); }

QString ComparePanel::empty_message() const { return items_.compared().empty() ? empty_label_->text() : QString(); }

void ComparePanel::update_visibility() {
  const std::vector<CompareItem*> items = items_.compared();
  bool runs = false, ckpts = false;
  for (CompareItem* i : items) (i->kind == CompareItem::run ? runs : ckpts) = true;
  empty_label_->setText(runs_->database().isEmpty() && !ckpts
                            ? "Drop checkpoints here, or open a workspace with a run database and tick two runs"
                            : "Tick two runs or drop checkpoints here");
  empty_label_->setVisible(items.empty());
  runs_view_->setVisible(runs);
  grid_->setVisible(ckpts);
  table_heading_->setVisible(!items.empty());
  table_->setVisible(!items.empty());
  controls_->set_something_shown(!items.empty());
}

void ComparePanel::set_status(const QString& text) {
  status_ = text;
  update_status();
}

void ComparePanel::update_status() {
  QString text = status_;
  if (text.isEmpty()) {
    const std::size_t n = items_.compared().size();
    const QString db = runs_->database();
    if (runs_->busy())
      text = "Reading the run database…";
    else if (busy())
      text = "Analysing checkpoints…";
    else if (n == 1)
      text = "One item shown: tick a run or drop a checkpoint to compare it with another.";
    else if (n > 1)
      text = QString("Comparing %1 items.").arg(n);
    else
      text = db.isEmpty() ? "No run database is open." : QString("Runs of %1").arg(QFileInfo(db).fileName());
  }
  controls_->set_status(text);
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
    runs_->add(runs);
    event->acceptProposedAction();
    return;
  }
  bool any = false;
  for (const QUrl& url : event->mimeData()->urls()) {
    if (!url.isLocalFile()) continue;
    const QString path = url.toLocalFile();
    const QString ext = QFileInfo(path).suffix().toLower();
    if (QFileInfo(path).isFile() && (ext == "db" || ext == "sqlite" || ext == "sqlite3"))
      any = runs_->set_database(path) || any;
    else
      any = checkpoints_->add(path) || any;
  }
  if (any) event->acceptProposedAction();
}

// --- export ---------------------------------------------------------------------------------

ComparisonPage ComparePanel::page() const {
  ComparisonPage page;
  if (!runs_->checked().isEmpty())
    page.runs = {runs_view_->loss_chart(), runs_view_->ppl_chart(), runs_view_->variance_chart()};
  if (!grid_->variance_charts().isEmpty())
    page.checkpoints = {grid_->variance_charts(), grid_->angular_charts(), grid_->removal_charts()};
  const std::vector<CompareItem*> compared = items_.compared();
  page.items.assign(compared.begin(), compared.end());
  page.table = table_model_;
  page.font = font();
  return page;
}

}  // namespace depthscope::ui
