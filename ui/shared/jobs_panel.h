#pragma once
// The Jobs dock: one row per job with name, status, progress bar, ETA and a Cancel button.
#include <QHash>
#include <QWidget>

class QTableWidget;

namespace depthscope::ui {

class JobList;

class JobsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit JobsPanel(JobList* jobs, QWidget* parent = nullptr);

 private:
  void add_row(int id);
  void update_row(int id);

  JobList* jobs_;
  QTableWidget* table_;
  QHash<int, int> row_of_;  // job id -> table row
};

}  // namespace depthscope::ui
