#include "ui/shared/jobs_panel.h"

#include <algorithm>

#include <QAction>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QProgressBar>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/runtime/progress.h"
#include "ui/shared/job_list.h"
#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"
#include "ui/train/runs_filter.h"
#include "ui/train/runs_model.h"

namespace depthscope::ui {
namespace {

QToolButton* tool_button(const QString& text, const QString& tip, QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setText(text);
  b->setToolTip(tip);
  b->setAutoRaise(true);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  return b;
}

bool stoppable(store::RunStatus s) { return s == store::RunStatus::queued || s == store::RunStatus::running; }
bool resumable(store::RunStatus s) { return s == store::RunStatus::stopped || s == store::RunStatus::failed; }

}  // namespace

JobsPanel::JobsPanel(JobList* jobs, RunsModel* runs, QWidget* parent)
    : QWidget(parent), jobs_(jobs), runs_(runs), shown_runs_(new RunsFilter(runs, this)) {
  new_button_ = tool_button("New experiment…", "Set up and queue a training experiment (Ctrl+N)", this);
  new_button_->setObjectName("jobs_new");
  start_button_ = tool_button("Start queue", "Start the job worker for queued runs (runs train as separate depthscope-cli processes)", this);
  start_button_->setObjectName("jobs_start");
  stop_button_ = tool_button("Stop", "Stop the selected run: it finishes its step, writes a checkpoint and can be resumed", this);
  stop_button_->setObjectName("jobs_stop");
  resume_button_ = tool_button("Resume", "Queue the selected stopped or failed run again; it continues from its last checkpoint", this);
  resume_button_->setObjectName("jobs_resume");
  delete_button_ = tool_button("Delete…", "Delete the selected run from the run database (asks first; optionally its checkpoint files)", this);
  delete_button_->setObjectName("jobs_delete");
  folder_button_ = tool_button("Open folder", "Open the selected run's checkpoint folder in the file manager", this);
  folder_button_->setObjectName("jobs_folder");
  hide_ended_button_ = tool_button("Hide ended", "Hide finished, stopped and failed runs (they stay in the run database) "
                                                 "and clear the analyses that have ended", this);
  hide_ended_button_->setObjectName("jobs_hide_ended");
  hide_ended_button_->setCheckable(true);
  connect(hide_ended_button_, &QToolButton::toggled, this, &JobsPanel::set_hide_ended);
  connect(new_button_, &QToolButton::clicked, jobs_, &JobList::request_new_experiment);
  connect(start_button_, &QToolButton::clicked, jobs_, &JobList::request_start_queue);
  connect(stop_button_, &QToolButton::clicked, this, &JobsPanel::stop_selected);
  connect(resume_button_, &QToolButton::clicked, this, &JobsPanel::resume_selected);
  connect(delete_button_, &QToolButton::clicked, this, &JobsPanel::delete_selected);
  connect(folder_button_, &QToolButton::clicked, this, &JobsPanel::open_selected_folder);

  empty_hint_ = new QLabel("No jobs yet: Run ▸ New experiment… (Ctrl+N) queues a training run; analyses appear here too.");
  empty_hint_->setStyleSheet(QString("color: %1").arg(hint_text_color().name()));
  empty_hint_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // never widens the window

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(4, 2, 4, 0);
  bar->setSpacing(2);
  for (QToolButton* b : {new_button_, start_button_, stop_button_, resume_button_, delete_button_, folder_button_})
    bar->addWidget(b);
  bar->addSpacing(12);
  bar->addWidget(hide_ended_button_);
  bar->addSpacing(12);
  bar->addWidget(empty_hint_);
  bar->addStretch(1);

  table_ = new QTableWidget(0, kColumns, this);
  table_->setObjectName("jobs_table");
  table_->setHorizontalHeaderLabels({"Job", "Status", "Progress", "ETA", "Speed", ""});
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(24);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setShowGrid(false);
  table_->setAlternatingRowColors(true);
  table_->setContextMenuPolicy(Qt::CustomContextMenu);
  table_->setToolTip("Training runs (separate processes, read from the run database) and analyses. "
                     "Right-click a run for its actions; double-click to show it in the Train tab.");
  QHeaderView* h = table_->horizontalHeader();
  h->setSectionResizeMode(kName, QHeaderView::Stretch);
  h->setSectionResizeMode(kStatus, QHeaderView::Interactive);
  h->setSectionResizeMode(kProgress, QHeaderView::Fixed);
  h->setSectionResizeMode(kEta, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(kSpeed, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(kAction, QHeaderView::Fixed);
  table_->setColumnWidth(kStatus, 150);
  table_->setColumnWidth(kProgress, 170);
  table_->setColumnWidth(kAction, 76);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(bar);
  layout->addWidget(table_);

  connect(jobs_, &JobList::added, this, [this](int) { sync(); });
  connect(jobs_, &JobList::changed, this, [this](int) { sync(); });
  connect(jobs_, &JobList::cleared, this, &JobsPanel::sync);
  connect(runs_, &RunsModel::runs_changed, this, &JobsPanel::sync);
  connect(runs_, &RunsModel::run_selected, this, [this](qint64 run) {
    const QSignalBlocker block(table_);
    if (run == 0 || row_of_run(run) < 0) table_->clearSelection();
    else select_run(run);
    update_buttons();
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    update_buttons();
    if (const std::optional<std::int64_t> run = selected_run()) runs_->select(*run);
  });
  connect(table_, &QTableWidget::customContextMenuRequested, this, &JobsPanel::show_context_menu);
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row >= 0 && row < keys_.size() && keys_[row].run) runs_->activate(keys_[row].id);
  });
  sync();
}

void JobsPanel::sync() {
  const std::optional<std::int64_t> selected = selected_run();
  QVector<RowKey> keys;
  for (int row = 0; row < shown_runs_->rowCount(); ++row) keys.push_back({true, shown_runs_->run_at(row)});
  const auto& jobs = jobs_->jobs();
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
    if (it->active || !shown_runs_->hides_ended()) keys.push_back({false, it->id});
  keys_ = keys;
  const QSignalBlocker block(table_);
  table_->setRowCount(keys_.size());
  for (int row = 0; row < keys_.size(); ++row) {
    ensure_row_widgets(row);
    if (keys_[row].run) fill_run_row(row, keys_[row].id);
    else fill_job_row(row, static_cast<int>(keys_[row].id));
  }
  table_->clearSelection();
  if (selected) select_run(*selected);
  else if (runs_->selected() != 0) select_run(runs_->selected());
  empty_hint_->setVisible(keys_.isEmpty() && !shown_runs_->hides_ended());
  update_buttons();
}

void JobsPanel::ensure_row_widgets(int row) {
  for (int c : {kName, kStatus, kEta, kSpeed})
    if (!table_->item(row, c)) table_->setItem(row, c, new QTableWidgetItem);
  if (!table_->cellWidget(row, kProgress)) {
    auto* bar = new QProgressBar;
    bar->setRange(0, 1000);
    bar->setTextVisible(true);
    table_->setCellWidget(row, kProgress, bar);
  }
  if (!table_->cellWidget(row, kAction)) {
    auto* button = new QToolButton;
    button->setAutoRaise(true);
    connect(button, &QToolButton::clicked, this, [this, row] { row_action(row); });
    table_->setCellWidget(row, kAction, button);
  }
}

void JobsPanel::fill_run_row(int row, std::int64_t id) {
  const RunJob* job = runs_->find(id);
  if (!job) return;
  const store::RunRecord& r = job->run;
  const QString exp = job->experiment.isEmpty() ? QString() : job->experiment + " · ";
  QString label = QString("#%1  %2").arg(r.id).arg(QString::fromStdString(r.name));
  if (!job->experiment.isEmpty() && !QString::fromStdString(r.name).startsWith(job->experiment)) label += "  (" + exp + ")";
  table_->item(row, kName)->setText(label);
  table_->item(row, kName)->setIcon(status_dot(run_status_color(r.status)));
  table_->item(row, kName)->setToolTip(QString("run %1 · %2 · scheme %3%4")
                                           .arg(r.id).arg(QString::fromStdString(r.name), QString::fromStdString(r.scheme))
                                           .arg(r.pid ? QString(" · pid %1 on %2").arg(*r.pid).arg(QString::fromStdString(r.host)) : QString()));
  const QString status = run_status_text(*job);
  table_->item(row, kStatus)->setText(status);
  table_->item(row, kStatus)->setToolTip(status);
  table_->item(row, kStatus)->setForeground(run_status_color(r.status).darker(115));
  table_->item(row, kEta)->setText(job->eta_s >= 0 ? QString::fromStdString(format_duration(job->eta_s)) : QString());
  table_->item(row, kSpeed)->setText(job->tokens_per_s >= 0 && r.status == store::RunStatus::running
                                         ? human_count(job->tokens_per_s) + " tok/s" : QString());
  auto* bar = static_cast<QProgressBar*>(table_->cellWidget(row, kProgress));
  bar->setValue(static_cast<int>(std::clamp(job->fraction(), 0.0, 1.0) * 1000 + 0.5));
  bar->setFormat(QString("%1/%2  %3%").arg(r.step).arg(r.steps).arg(job->fraction() * 100, 0, 'f', 0));
  auto* button = static_cast<QToolButton*>(table_->cellWidget(row, kAction));
  if (stoppable(r.status)) {
    button->setText("Stop");
    button->setToolTip("Stop this run (it checkpoints after its step)");
    button->setEnabled(true);
  } else if (resumable(r.status)) {
    button->setText("Resume");
    button->setToolTip("Queue this run again from its last checkpoint");
    button->setEnabled(true);
  } else {
    button->setText("");
    button->setToolTip("");
    button->setEnabled(false);
  }
}

void JobsPanel::fill_job_row(int row, int id) {
  const Job* job = jobs_->find(id);
  if (!job) return;
  table_->item(row, kName)->setText(job->name);
  table_->item(row, kName)->setIcon(QIcon());
  table_->item(row, kName)->setToolTip(job->name + " (an analysis inside the GUI)");
  QString status = job->status;
  if (job->active && !job->stage.isEmpty()) status += " · " + job->stage;
  table_->item(row, kStatus)->setText(status);
  table_->item(row, kStatus)->setToolTip(status);
  table_->item(row, kStatus)->setForeground(chart_text_color());
  table_->item(row, kEta)->setText(job->active ? QString::fromStdString(format_duration(job->eta_s)) : QString());
  table_->item(row, kSpeed)->setText(QString());
  auto* bar = static_cast<QProgressBar*>(table_->cellWidget(row, kProgress));
  bar->setValue(static_cast<int>(job->fraction * 1000 + 0.5));
  bar->setFormat(QString("%1%").arg(job->fraction * 100, 0, 'f', 0));
  auto* button = static_cast<QToolButton*>(table_->cellWidget(row, kAction));
  button->setText("Cancel");
  button->setToolTip("Cancel this analysis; what it computed so far stays shown");
  button->setEnabled(job->active && job->cancel);
}

void JobsPanel::row_action(int row) {
  if (row < 0 || row >= keys_.size()) return;
  const RowKey key = keys_[row];
  if (!key.run) {
    jobs_->cancel(static_cast<int>(key.id));
    return;
  }
  const RunJob* job = runs_->find(key.id);
  if (!job) return;
  if (stoppable(job->run.status)) jobs_->request_stop(key.id);
  else if (resumable(job->run.status)) jobs_->request_resume(key.id);
}

std::optional<std::int64_t> JobsPanel::selected_run() const {
  const QList<QTableWidgetSelectionRange> ranges = table_->selectedRanges();
  if (ranges.isEmpty()) return std::nullopt;
  const int row = ranges.front().topRow();
  if (row < 0 || row >= keys_.size() || !keys_[row].run) return std::nullopt;
  return keys_[row].id;
}

void JobsPanel::set_hide_ended(bool hide) {
  if (hide_ended_button_->isChecked() != hide) {
    hide_ended_button_->setChecked(hide);  // comes back here through toggled
    return;
  }
  shown_runs_->set_hide_ended(hide);
  if (hide) jobs_->clear_ended();
  sync();
}

void JobsPanel::select_run(std::int64_t run) {
  const int row = row_of_run(run);
  if (row >= 0) table_->selectRow(row);
}

int JobsPanel::row_of_run(std::int64_t run) const {
  for (int i = 0; i < keys_.size(); ++i)
    if (keys_[i].run && keys_[i].id == run) return i;
  return -1;
}

QString JobsPanel::cell_text(int row, int column) const {
  if (column == kProgress) {
    auto* bar = qobject_cast<QProgressBar*>(table_->cellWidget(row, column));
    return bar ? bar->text() : QString();
  }
  const QTableWidgetItem* item = table_->item(row, column);
  return item ? item->text() : QString();
}

void JobsPanel::update_buttons() {
  const std::optional<std::int64_t> run = selected_run();
  const RunJob* job = run ? runs_->find(*run) : nullptr;
  stop_button_->setEnabled(job && stoppable(job->run.status));
  resume_button_->setEnabled(job && resumable(job->run.status));
  delete_button_->setEnabled(job && job->run.status != store::RunStatus::running);
  folder_button_->setEnabled(job != nullptr);
}

void JobsPanel::stop_selected() {
  if (auto run = selected_run()) jobs_->request_stop(*run);
}

void JobsPanel::resume_selected() {
  if (auto run = selected_run()) jobs_->request_resume(*run);
}

void JobsPanel::open_selected_folder() {
  if (auto run = selected_run()) jobs_->request_open_folder(*run);
}

void JobsPanel::delete_selected() {
  const std::optional<std::int64_t> run = selected_run();
  if (!run) return;
  const RunJob* job = runs_->find(*run);
  if (!job) return;
  bool files = false;
  int answer = QMessageBox::No;
  if (confirm_) {
    answer = confirm_(*run, &files);
  } else {
    QMessageBox box(QMessageBox::Question, "Delete run",
                    QString("Delete run %1 (%2, %3) from the run database?\n\nIts metrics, checkpoints list and log "
                            "lines are removed; this cannot be undone.")
                        .arg(*run).arg(QString::fromStdString(job->run.name), run_status_text(*job)),
                    QMessageBox::Yes | QMessageBox::No, this);
    box.setDefaultButton(QMessageBox::No);
    auto* check = new QCheckBox("Also delete its checkpoint folders and log file");
    check->setToolTip("Removes run-<id>/step-<k> folders, leftover .partial folders and run-<id>.log");
    box.setCheckBox(check);
    answer = box.exec();
    files = check->isChecked();
  }
  if (answer == QMessageBox::Yes) jobs_->request_delete(*run, files);
}

void JobsPanel::show_context_menu(const QPoint& pos) {
  const int row = table_->rowAt(pos.y());
  if (row >= 0) table_->selectRow(row);
  QMenu menu(this);
  const std::optional<std::int64_t> run = selected_run();
  const RunJob* job = run ? runs_->find(*run) : nullptr;
  if (job) {
    menu.addAction("Show in Train tab", this, [this, id = *run] { runs_->activate(id); });
    menu.addSeparator();
    menu.addAction("Stop", this, &JobsPanel::stop_selected)->setEnabled(stoppable(job->run.status));
    menu.addAction("Resume", this, &JobsPanel::resume_selected)->setEnabled(resumable(job->run.status));
    menu.addAction("Delete…", this, &JobsPanel::delete_selected)->setEnabled(job->run.status != store::RunStatus::running);
    menu.addAction("Open folder", this, &JobsPanel::open_selected_folder);
    menu.addSeparator();
  } else if (row >= 0 && row < keys_.size() && !keys_[row].run) {
    const int id = static_cast<int>(keys_[row].id);
    const Job* j = jobs_->find(id);
    menu.addAction("Cancel", this, [this, id] { jobs_->cancel(id); })->setEnabled(j && j->active && j->cancel);
    menu.addSeparator();
  }
  menu.addAction("New experiment…", jobs_, &JobList::request_new_experiment);
  menu.addAction("Start queue", jobs_, &JobList::request_start_queue);
  menu.exec(table_->viewport()->mapToGlobal(pos));
}

}  // namespace depthscope::ui
