#pragma once
// The Jobs dock: the training runs of the run database (status, progress, ETA, tokens/s) and
// the analyses running inside the GUI, one row each, runs first, newest first. A toolbar and a
// context menu act on the selected run: new experiment, start the queue, stop, resume, delete
// (with confirmation; optionally its files), open its folder. The actions are requests to
// the JobList (the main window carries them out through the job manager). The runs come from
// the RunsModel through a RunsFilter ("Hide ended" hides finished, stopped and failed runs and
// clears ended analyses); selecting a run here selects it in every run list.
#include <cstdint>
#include <functional>
#include <optional>

#include <QString>
#include <QVector>
#include <QWidget>

class QLabel;
class QTableWidget;
class QToolButton;

namespace depthscope::ui {

class JobList;
class RunsFilter;
class RunsModel;

class JobsPanel : public QWidget {
  Q_OBJECT
 public:
  JobsPanel(JobList* jobs, RunsModel* runs, QWidget* parent = nullptr);

  QTableWidget* table() const { return table_; }
  // The run in the selected row, if the row is a run.
  std::optional<std::int64_t> selected_run() const;
  void select_run(std::int64_t run);
  // Row of a run (-1 when not listed) and the text of a cell, for tests.
  int row_of_run(std::int64_t run) const;
  QString cell_text(int row, int column) const;
  // "Delete…" asks for confirmation in a dialog; tests answer it here instead.
  // Hides ended runs and analyses (the "Hide ended" button).
  void set_hide_ended(bool hide);
  void set_confirm_delete(std::function<int(std::int64_t run, bool* files)> fn) { confirm_ = std::move(fn); }

  enum Column { kName, kStatus, kProgress, kEta, kSpeed, kAction, kColumns };

 public slots:
  void stop_selected();
  void resume_selected();
  void delete_selected();
  void open_selected_folder();

 private:
  struct RowKey {
    bool run = false;
    std::int64_t id = 0;
    bool operator==(const RowKey& o) const { return run == o.run && id == o.id; }
  };
  void sync();
  void fill_run_row(int row, std::int64_t run);
  void fill_job_row(int row, int job);
  void ensure_row_widgets(int row);
  void row_action(int row);
  void update_buttons();
  void show_context_menu(const QPoint& pos);

  JobList* jobs_;
  RunsModel* runs_;
  RunsFilter* shown_runs_;
  QTableWidget* table_;
  QLabel* empty_hint_;
  QToolButton* new_button_;
  QToolButton* start_button_;
  QToolButton* stop_button_;
  QToolButton* resume_button_;
  QToolButton* delete_button_;
  QToolButton* folder_button_;
  QToolButton* hide_ended_button_;
  QVector<RowKey> keys_;  // what each table row shows
  std::function<int(std::int64_t, bool*)> confirm_;
};

}  // namespace depthscope::ui
