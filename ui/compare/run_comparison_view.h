#pragma once
// The run comparison of the Compare tab: train/loss and val/ppl of every ticked run overlaid on
// one step axis shared by both charts (linked zoom and pan, ui/shared/linked_axes.h), a
// crosshair that follows the mouse over either and reads every curve at that step
// (ui/shared/crosshair.h) with its one-line read-out below, and residual_variance by layer at
// each run's last step with layer metrics.
//
// Seeds: ticked runs of one experiment and scheme (its seeds) are drawn as one mean curve with
// a shaded band of +-1 standard deviation (ui/shared/seed_band.h); a click inside a band shows
// its single runs as thin lines, a second click hides them.
#include <set>
#include <vector>

#include <QString>

#include <QWidget>

class QLabel;

namespace depthscope::ui {

class Chart;
class Crosshair;
class LinkedAxes;
struct CompareItem;

class RunComparisonView : public QWidget {
  Q_OBJECT
 public:
  explicit RunComparisonView(QWidget* parent = nullptr);

  // Draws the runs among `compared` that have data. `runs_ticked`: some run is ticked (else
  // the charts say "Tick runs to compare"); `loading`: their data is being read.
  void draw(const std::vector<CompareItem*>& compared, bool runs_ticked, bool loading);
  // Fits every chart to its data; one step range (the union) for both step charts.
  void refit();

  Chart* loss_chart() const { return loss_chart_; }
  Chart* ppl_chart() const { return ppl_chart_; }
  Chart* variance_chart() const { return variance_chart_; }
  Crosshair* crosshair() const { return crosshair_; }
  // Shows or hides the single runs of a band's group ("<experiment>/<scheme>").
  void toggle_single_runs(const QString& group);
  bool shows_single_runs(const QString& group) const { return expanded_.count(group) > 0; }

 private:
  void draw_runs();

  Chart* loss_chart_;
  Chart* ppl_chart_;
  Chart* variance_chart_;
  QLabel* readout_;
  Crosshair* crosshair_;
  LinkedAxes* links_;
  std::vector<CompareItem*> compared_;
  bool runs_ticked_ = false, loading_ = false;
  std::set<QString> expanded_;  // band groups whose single runs are shown
};

}  // namespace depthscope::ui
