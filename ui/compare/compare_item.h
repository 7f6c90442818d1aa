#pragma once
// One thing the Compare tab compares: a run of the run database or a checkpoint analysed here.
// A plain struct: the list, the run charts, the checkpoint grid, the difference table and the
// export all read it; CompareItems owns them, in the order they were listed.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <QColor>
#include <QPixmap>
#include <QString>
#include <QVector>

#include "core/analysis/layer_removal.h"
#include "core/model/config.h"
#include "core/store/run_records.h"
#include "core/store/run_summary.h"

namespace depthscope::ui {

struct CompareItem {
  enum Kind { run, checkpoint } kind = run;
  std::int64_t run_id = 0;
  std::int64_t experiment = 0;  // runs: their experiment (runs of one experiment and scheme are seeds)
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
  store::RunSummary summary;  // as `runs compare` reports the run (the seeds table groups these)
  QVector<double> loss_steps, loss_values, ppl_steps, ppl_values;
  std::optional<std::int64_t> layer_step;
  std::vector<double> layer_variance;  // [l-1]

  // Checkpoint analysis.
  double progress = 0;
  int layers = 0;
  std::vector<double> variance;              // [l-1], NaN until known
  std::vector<std::vector<double>> angular;  // [k-1][n-1] = d(k, k+n)
  std::vector<double> removal;               // [l-1] ΔPPL, NaN until known
  std::vector<LayerRemovalEntry> removal_entries;  // as they arrive (accuracies with a choices set)
  double baseline_ppl = 0;
  QString error;

  bool gpas = false;  // with the GPAS add-on: "Pre-LN + GPAS"
  QString scheme_text() const;
  // Layers of the deepest half: the last floor(L/2).
  int deep_first() const { return layers - layers / 2 + 1; }
  // A checkpoint's table numbers from its analysis so far, as `runs compare` defines them for
  // runs: final PPL (once analysed), last/first variance ratio, nearly-identity layers, mean
  // ΔPPL of the deepest half (each unset until all its inputs are known).
  void update_checkpoint_numbers();
};

// The items of the Compare tab: runs first as listed, then checkpoints.
class CompareItems {
 public:
  CompareItem* add(std::unique_ptr<CompareItem> item);
  void remove(const CompareItem* item);
  // Brings the runs up to date with the database's listing: label, scheme, status, steps.
  // Returns the runs listed for the first time; *live: a ticked run is still going.
  std::vector<CompareItem*> list_runs(const std::vector<store::RunRecord>& runs, bool* live);
  // Drops every run (another database).
  void remove_runs();
  CompareItem* find_run(std::int64_t run) const;
  CompareItem* find_checkpoint(const QString& path) const;
  // The ticked items: runs, then checkpoints.
  std::vector<CompareItem*> compared() const;
  std::vector<CompareItem*> all() const;
  // One colour per scheme; the second compared item of a scheme dashed, the third dotted.
  void assign_styles();

 private:
  std::vector<std::unique_ptr<CompareItem>> items_;
};

// The legend swatch of an item: its colour and dash.
QPixmap swatch(const QColor& color, Qt::PenStyle style);
// A checkpoint path as the user means it: a config.json, or a model.safetensors beside a
// config.json, names its folder. "" when it does not exist.
QString normalise_checkpoint(const QString& path);
// "llama-pre", or "run-3/step-100" for a step folder.
QString checkpoint_label(const QString& path);
// The scheme a run was written with ("pre+gpas": Pre-LN with GPAS); none for a word this build
// does not know.
std::optional<SchemeChoice> scheme_of(const std::string& word);

}  // namespace depthscope::ui
