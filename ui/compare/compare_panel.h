#pragma once
// "Compare" tab: two or more runs (from the workspace's run database) or checkpoints (added
// by path or dropped on the panel), side by side.
//   - Runs: train/loss and val/ppl of every ticked run overlaid on one step axis shared by
//     both charts (linked zoom and pan), a crosshair that follows the mouse over either and
//     reads every curve at that step, and residual_variance by layer at each run's last
//     step with layer metrics.
//   - Checkpoints: the Inspect analyses (variance by depth, angular distance d(l, l+n), removal
//     impact) for each checkpoint in its own column, with shared axes and colour range,
//     computed in the background (TaskRunner) through the same core calls as the Inspect tab.
//   - The difference table of `runs compare` (core/store/run_summary.h): final val PPL,
//     last/first residual-variance ratio, nearly-identity layers (angular distance to the
//     next layer < 0.2) and, for checkpoints, the mean ΔPPL of removing each layer of the
//     deepest half.
//   - "Export comparison…": every chart and the table composed into one PNG / SVG / PDF;
//     the table as CSV.
// Colours: one per norm scheme (ui/shared/palette.h); a second item of the same scheme is
// dashed, a third dotted.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <QList>
#include <QPointer>
#include <QString>
#include <QVector>
#include <QWidget>

#include "core/runtime/device_choice.h"
#include "ui/shared/csv_table.h"

class QCheckBox;
class QCPAxis;
class QCPBars;
class QCPColorMap;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QGridLayout;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QCPPainter;
class QCPItemRect;
class QTimer;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QWidget;

namespace depthscope::ui {

class Chart;
class JobList;
class TaskRunner;

class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ComparePanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~ComparePanel() override;  // cancels every running analysis and waits for it

  // The workspace's run database: lists its runs (unticked). An empty path forgets it.
  // Returns false (and says why in status_text()) when the file cannot be read.
  bool set_database(const QString& path);
  QString database() const { return db_path_; }
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

  // --- charts (for tests and the main window's "Export chart") ------------------------
  Chart* loss_chart() const { return loss_chart_; }
  Chart* ppl_chart() const { return ppl_chart_; }
  Chart* run_variance_chart() const { return run_variance_chart_; }
  QList<Chart*> checkpoint_variance_charts() const;
  QList<Chart*> checkpoint_angular_charts() const;
  QList<Chart*> checkpoint_removal_charts() const;
  QTableWidget* table() const { return table_; }

  // --- crosshair ---------------------------------------------------------------------
  struct Reading {
    QString chart;   // "train/loss" or "val/ppl"
    QString series;  // the item's label
    double key = 0;  // the step of the point read (the nearest to the crosshair)
    double value = 0;
  };
  // Puts the crosshair at `step` on both step charts, as the mouse does.
  void set_crosshair(double step);
  void hide_crosshair();
  bool crosshair_visible() const;
  double crosshair_step() const { return crosshair_x_; }
  // Every curve of both step charts read at the crosshair (nearest point of each curve).
  QVector<Reading> crosshair_readings() const;
  // The text of the readout under the charts.
  QString crosshair_text() const;

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
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Item;
  struct RunData;

  Item* find_run(std::int64_t run) const;
  Item* find_checkpoint(const QString& path) const;
  QListWidgetItem* list_item(const Item* item) const;
  void add_list_item(Item* item);
  void on_list_changed(QListWidgetItem* li);
  void load_runs();
  void apply_runs(const std::vector<RunData>& runs);
  void start_analysis(Item* item);
  void assign_styles();
  void rebuild_checkpoint_grid();
  void draw_checkpoint(Item* item);
  void draw_runs();
  void refit_runs();
  void refit_checkpoints();
  void rebuild_table();
  void update_visibility();
  void update_status();
  void link_axes(const QList<QCPAxis*>& axes);
  void position_crosshair(Chart* chart, QCPItemStraightLine* line, QCPItemText* label);
  QString chart_readout(const Chart* chart) const;
  void paint_comparison(QCPPainter* painter, QSize size);
  void refresh_list_item(Item* item);
  void analysis_ended(Item* item);
  QList<QList<Chart*>> export_rows() const;
  std::vector<Item*> compared_items() const;

  JobList* jobs_;
  QString db_path_;
  std::vector<std::unique_ptr<Item>> items_;
  TaskRunner* runs_runner_;
  bool runs_loading_ = false;
  QString status_;
  int eval_tokens_ = 4096;
  int eval_n_ctx_ = 256;
  QString eval_text_;
  ComputeDevice device_;
  bool linking_ = false;
  bool updating_list_ = false;
  bool exporting_ = false;
  double crosshair_x_ = 0;

  QListWidget* list_;
  QPushButton* add_button_;
  QPushButton* remove_button_;
  QPushButton* refresh_button_;
  QPushButton* export_button_;
  QPushButton* csv_button_;
  QCheckBox* log_box_;
  QSpinBox* tokens_box_;
  QLabel* status_label_;
  QLabel* empty_label_;
  QWidget* runs_section_;
  QWidget* checkpoint_section_;
  QGridLayout* checkpoint_grid_;
  QLabel* readout_;
  QTimer* poll_timer_;
  QTableWidget* table_;

  Chart* loss_chart_;
  Chart* ppl_chart_;
  Chart* run_variance_chart_;
  QCPItemStraightLine* loss_line_ = nullptr;
  QCPItemStraightLine* ppl_line_ = nullptr;
  QCPItemText* loss_label_ = nullptr;
  QCPItemText* ppl_label_ = nullptr;
};

}  // namespace depthscope::ui
