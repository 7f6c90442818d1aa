#pragma once
// "Compare" tab: two or more runs (from the workspace's run database) or checkpoints (added
// by path or dropped on the panel), side by side. The panel only assembles its parts:
//   - CompareList (compare_list.h): what can be compared, ticked or not;
//   - RunComparisonView (run_comparison_view.h): the runs' curves on one step axis, linked
//     zoom and pan, a crosshair reading every curve; curves read by RunReader (run_reader.h);
//   - CheckpointGrid (checkpoint_grid.h): the Inspect analyses of each checkpoint in its own
//     column, computed by CheckpointAnalyses (checkpoint_analyses.h);
//   - DifferenceTableModel (difference_table_model.h): the numbers of `runs compare`, read by
//     the table view, the CSV and the export page (comparison_export.h).
// Colours: one per norm scheme (ui/shared/palette.h); a second item of the same scheme is
// dashed, a third dotted.
#include <cstdint>

#include <QList>
#include <QString>
#include <QVector>
#include <QWidget>

#include "core/runtime/device_choice.h"
#include "ui/compare/compare_item.h"
#include "ui/shared/crosshair.h"
#include "ui/shared/csv_table.h"
#include "ui/shared/job_list.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTimer;

namespace depthscope::ui {

class Chart;
class CheckpointAnalyses;
class CheckpointGrid;
class CompareList;
class DifferenceTableModel;
class RunsModel;
class DifferenceTableView;
class SeedStatisticsModel;
class JobList;
class RunComparisonView;
class RunReader;
struct ComparisonPage;
struct RunCurves;

class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ComparePanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~ComparePanel() override;  // cancels every running analysis and waits for it

  // The workspace's run database: lists its runs (unticked). An empty path forgets it.
  // Returns false (and says why in status_text()) when the file cannot be read.
  bool set_database(const QString& path);
  QString database() const { return db_path_; }
  // The runs of the database as the main window's watcher lists them (once per batch): new
  // runs are listed, the rest brought up to date, and the ticked ones read again when they
  // moved on -- the list never waits for Refresh.
  void set_runs(const std::vector<RunJob>& runs);
  // Lists the model's runs while they are this tab's database's (the list stays live), and
  // keeps the current run row and the model's selected run the same, both ways.
  void follow_runs(RunsModel* runs);
  // Ticks / unticks a listed run; the charts follow (the data is read in the background).
  void set_run_checked(std::int64_t run, bool checked);
  // Ticks these runs, as dropping them from the workspace does (the database is listed again
  // when one is not listed yet). Returns how many were found.
  int add_runs(const QList<qint64>& runs);
  QList<std::int64_t> listed_runs() const;
  QList<std::int64_t> checked_runs() const;

  // Adds a checkpoint (HF folder, .safetensors, llama2.c .bin; a config.json or
  // model.safetensors inside a folder means the folder) and starts its analyses. Returns
  // false when the path does not exist or is already listed.
  bool add_checkpoint(const QString& path);
  // Removes a checkpoint, cancelling its analysis.
  void remove_checkpoint(const QString& path);
  QStringList checkpoints() const;

  // Evaluation set of the checkpoint analyses (as the Inspect tab): tokens from the text and
  // the window length (clamped to each model's context). Applies to checkpoints added later.
  void set_evaluation(int tokens, int n_ctx);
  void set_evaluation_text(const QString& path);
  // A multiple-choice set scored per removed layer for checkpoints added from now on; the
  // removal charts then switch between ΔPPL (0), Δacc (1) and Δacc_norm (2).
  void set_choices_file(const QString& path);
  void set_removal_metric(int metric);
  CheckpointGrid* checkpoint_grid() const { return grid_; }
  // Where checkpoints added later are opened and analysed (the status bar's Device box).
  // A device core refuses fails the analysis with its reason and emits device_refused; when
  // the device has been set to cpu by then (the main window's fallback), the checkpoint is
  // analysed again on the CPU.
  void set_device(const ComputeDevice& device) { device_ = device; }
  const ComputeDevice& device() const { return device_; }

  // Reading run data or analysing a checkpoint.
  bool busy() const;
  QString status_text() const;
  // What the chart area says when there is nothing to compare (empty otherwise).
  QString empty_message() const;

  // --- parts (for tests and the main window's "Export chart") ------------------------
  Chart* loss_chart() const;
  Chart* ppl_chart() const;
  Chart* run_variance_chart() const;
  QList<Chart*> checkpoint_variance_charts() const;
  QList<Chart*> checkpoint_angular_charts() const;
  QList<Chart*> checkpoint_removal_charts() const;
  DifferenceTableModel* difference_table() const { return table_model_; }
  SeedStatisticsModel* seeds_table() const { return seeds_model_; }
  // The crosshair over the run charts (ui/shared/crosshair.h): set, hide, read out.
  Crosshair* crosshair() const;

  // --- export ------------------------------------------------------------------------
  // The difference table: header + one row per compared item.
  CsvTable table_csv() const;
  // .png, .svg or .pdf: every chart shown and the table composed into one page; .csv: the
  // table. On failure returns false with *error naming the file and the problem.
  bool export_comparison(const QString& path, QString* error);
  // Size of the composed page (pixels for PNG, points for SVG/PDF).
  QSize comparison_size() const;

 public slots:
  void refresh_runs();
  // Fits every chart to its data again (shared ranges), as a double-click on a chart does.
  void reset_views();
  void export_dialog();
  void export_table_dialog();
  void add_checkpoint_dialog();

 signals:
  // New data was drawn (runs read, a checkpoint's layer computed).
  void updated();
  // Nothing is being read or computed any more.
  void idle();
  void log(const QString& message);
  // Core refused the device a checkpoint was to be analysed on (message: its reason).
  void device_refused(const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  QWidget* make_controls();
  void on_toggled(CompareItem* item, bool checked);
  void read_runs();
  void apply_runs(const std::vector<RunCurves>& runs);
  void analysis_ended(CompareItem* item);
  void restyle();
  void redraw_runs();
  void rebuild_table();
  void update_visibility();
  void update_status();
  ComparisonPage page() const;

  JobList* jobs_;
  QString db_path_;
  CompareItems items_;
  RunReader* reader_;
  CheckpointAnalyses* analyses_;
  QString status_;
  int eval_tokens_ = 4096;
  int eval_n_ctx_ = 256;
  QString eval_text_;
  QString choices_file_;
  ComputeDevice device_;

  CompareList* list_;
  QPushButton* add_button_;
  QPushButton* remove_button_;
  QPushButton* refresh_button_;
  QPushButton* export_button_;
  QPushButton* csv_button_;
  QCheckBox* log_box_;
  QPushButton* choices_button_;
  QComboBox* removal_metric_box_;
  QSpinBox* tokens_box_;
  QLabel* status_label_;
  QLabel* empty_label_;
  QTimer* poll_timer_;
  RunComparisonView* runs_view_;
  CheckpointGrid* grid_;
  DifferenceTableModel* table_model_;
  SeedStatisticsModel* seeds_model_;
  DifferenceTableView* table_;
  DifferenceTableView* seeds_table_;
  QWidget* seeds_heading_;
};

}  // namespace depthscope::ui
