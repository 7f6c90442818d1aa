#include "ui/shared/jobs_panel.h"

#include <QHeaderView>
#include <QProgressBar>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/runtime/progress.h"
#include "ui/shared/job_list.h"

namespace depthscope::ui {
namespace {
enum Column { kName, kStatus, kProgress, kEta, kCancel, kColumns };
}

JobsPanel::JobsPanel(JobList* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
  table_ = new QTableWidget(0, kColumns, this);
  table_->setHorizontalHeaderLabels({"Job", "Status", "Progress", "ETA", ""});
  table_->verticalHeader()->setVisible(false);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setShowGrid(false);
  table_->setAlternatingRowColors(true);
  QHeaderView* h = table_->horizontalHeader();
  h->setSectionResizeMode(kName, QHeaderView::Stretch);
  h->setSectionResizeMode(kStatus, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(kProgress, QHeaderView::Fixed);
  h->setSectionResizeMode(kEta, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(kCancel, QHeaderView::Fixed);
  table_->setColumnWidth(kProgress, 170);
  table_->setColumnWidth(kCancel, 76);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(table_);

  for (const Job& j : jobs_->jobs()) add_row(j.id);
  connect(jobs_, &JobList::added, this, &JobsPanel::add_row);
  connect(jobs_, &JobList::changed, this, &JobsPanel::update_row);
}

void JobsPanel::add_row(int id) {
  // Newest job on top.
  table_->insertRow(0);
  for (auto it = row_of_.begin(); it != row_of_.end(); ++it) ++it.value();
  row_of_[id] = 0;
  table_->setItem(0, kName, new QTableWidgetItem);
  table_->setItem(0, kStatus, new QTableWidgetItem);
  table_->setItem(0, kEta, new QTableWidgetItem);
  auto* bar = new QProgressBar;
  bar->setRange(0, 1000);
  bar->setTextVisible(true);
  table_->setCellWidget(0, kProgress, bar);
  auto* cancel = new QToolButton;
  cancel->setText("Cancel");
  cancel->setAutoRaise(true);
  connect(cancel, &QToolButton::clicked, this, [this, id] { jobs_->cancel(id); });
  table_->setCellWidget(0, kCancel, cancel);
  update_row(id);
}

void JobsPanel::update_row(int id) {
  const Job* job = jobs_->find(id);
  if (!job || !row_of_.contains(id)) return;
  const int row = row_of_[id];
  table_->item(row, kName)->setText(job->name);
  table_->item(row, kName)->setToolTip(job->name);
  QString status = job->status;
  if (job->active && !job->stage.isEmpty()) status += " · " + job->stage;
  table_->item(row, kStatus)->setText(status);
  table_->item(row, kEta)->setText(job->active ? QString::fromStdString(format_duration(job->eta_s))
                                               : QString());
  auto* bar = static_cast<QProgressBar*>(table_->cellWidget(row, kProgress));
  bar->setValue(static_cast<int>(job->fraction * 1000 + 0.5));
  bar->setFormat(QString("%1%").arg(job->fraction * 100, 0, 'f', 0));
  table_->cellWidget(row, kCancel)->setEnabled(job->active && job->cancel);
}

}  // namespace depthscope::ui
