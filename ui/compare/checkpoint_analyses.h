#pragma once
// CheckpointAnalyses: the background analysis of each checkpoint added to the Compare tab,
// through the same core calls as the Inspect tab (and the CLI): open it (on the chosen
// device), the evaluation set, layer statistics (variance by depth, angular distances), then
// the layer-removal sweep. One TaskRunner per checkpoint; results are written into its
// CompareItem on the GUI thread as they come, each job shown in the Jobs dock.
#include <map>

#include <QObject>
#include <QString>

#include "core/runtime/device_choice.h"

namespace depthscope::ui {

class JobList;
class TaskRunner;
struct CompareItem;

// The evaluation of the checkpoint analyses (as the Inspect tab).
struct AnalysisSettings {
  int tokens = 4096;  // from the text (default: the Debian corpus fortunes-min)
  int n_ctx = 256;    // window length, clamped to each model's context
  QString text;       // "" for the default corpus
  QString choices;    // a multiple-choice set scored per removed layer ("" none)
  ComputeDevice device;
};

class CheckpointAnalyses : public QObject {
  Q_OBJECT
 public:
  explicit CheckpointAnalyses(JobList* jobs, QObject* parent = nullptr);
  ~CheckpointAnalyses() override;  // abandons every analysis; runners wait for their threads

  void start(CompareItem* item, const AnalysisSettings& settings);
  // Cancels and forgets an item's analysis (waits for its thread; nothing it sent arrives).
  void stop(CompareItem* item);
  bool busy() const;

 signals:
  // The model is open: item->layers, scheme and the NaN-filled arrays are set.
  void layers_known(depthscope::ui::CompareItem* item);
  // A batch of results was written into the item.
  void updated(depthscope::ui::CompareItem* item);
  void progress(depthscope::ui::CompareItem* item, const QString& stage, double eta_s);
  // Finished, cancelled or failed (item->status says which; item->error why).
  void ended(depthscope::ui::CompareItem* item);
  // The analysis failed on a GPU core refused (message: its reason).
  void device_refused(depthscope::ui::CompareItem* item, const QString& message);
  void log(const QString& message);

 private:
  struct Job {
    TaskRunner* runner = nullptr;
    int job = 0;
  };
  JobList* jobs_;
  std::map<CompareItem*, Job> running_;
};

}  // namespace depthscope::ui
