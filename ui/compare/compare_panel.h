#pragma once
// "Compare" tab: two or more runs (from the workspace's run database) or checkpoints (added
// by path or dropped on the panel), side by side. The panel only assembles its parts:
//   - CompareControls (compare_controls.h): the left column, with the CompareList
//     (compare_list.h) of what can be compared, ticked or not;
//   - CompareRuns (compare_runs.h): the database's runs listed, the ticked ones read by
//     RunReader (run_reader.h) and drawn by RunComparisonView (run_comparison_view.h): curves
//     on one step axis, linked zoom and pan, a crosshair reading every curve;
//   - CompareCheckpoints (compare_checkpoints.h): checkpoints added, analysed by
//     CheckpointAnalyses (checkpoint_analyses.h), drawn by CheckpointGrid (checkpoint_grid.h),
//     one column each;
//   - DifferenceTableModel (difference_table_model.h): the numbers of `runs compare`, read by
//     the table view, the CSV and the export page; SeedStatisticsModel the seeds table;
//   - ComparisonExporter (comparison_exporter.h): the page and the CSV, written.
// Colours: one per norm scheme (ui/shared/palette.h); a second item of the same scheme is
// dashed, a third dotted.
#include <QString>
#include <QWidget>

#include "ui/compare/compare_item.h"

class QLabel;

namespace depthscope::ui {

class CheckpointGrid;
class CompareCheckpoints;
class CompareControls;
class CompareRuns;
class ComparisonExporter;
class DifferenceTableModel;
class DifferenceTableView;
class JobList;
class RunComparisonView;
class SeedStatisticsModel;
struct ComparisonPage;

class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ComparePanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~ComparePanel() override;  // cancels every running analysis and waits for it

  // --- parts ---------------------------------------------------------------------------
  CompareRuns* runs() const { return runs_; }
  CompareCheckpoints* checkpoints() const { return checkpoints_; }
  CompareControls* controls() const { return controls_; }
  RunComparisonView* runs_view() const { return runs_view_; }
  CheckpointGrid* checkpoint_grid() const { return grid_; }
  DifferenceTableModel* difference_table() const { return table_model_; }
  SeedStatisticsModel* seeds_table() const { return seeds_model_; }
  ComparisonExporter* exporter() const { return exporter_; }

  // Reading run data or analysing a checkpoint.
  bool busy() const;
  QString status_text() const;
  // What the chart area says when there is nothing to compare (empty otherwise).
  QString empty_message() const;

 public slots:
  // Fits every chart to its data again (shared ranges), as a double-click on a chart does.
  void reset_views();

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
  void connect_parts();
  void on_toggled(CompareItem* item, bool checked);
  // What changed, redrawn: the list's styles, the checkpoint grid (when `grid`), the run
  // charts, the tables, what is shown.
  void redraw_all(bool grid);
  void restyle();
  void rebuild_table();
  void update_visibility();
  void set_status(const QString& text);
  void update_status();
  void check_idle();
  ComparisonPage page() const;

  CompareItems items_;
  QString status_;
  CompareControls* controls_;
  CompareRuns* runs_;
  CompareCheckpoints* checkpoints_;
  QLabel* empty_label_;
  RunComparisonView* runs_view_;
  CheckpointGrid* grid_;
  DifferenceTableModel* table_model_;
  SeedStatisticsModel* seeds_model_;
  QWidget* table_heading_;
  DifferenceTableView* table_;
  DifferenceTableView* seeds_table_;
  QWidget* seeds_heading_;
  ComparisonExporter* exporter_;
};

}  // namespace depthscope::ui
