#pragma once
// Seeds on the Train tab: the runs of the shown experiment with one scheme are its seeds; two
// or more are drawn on the loss, perplexity, gradient-norm and variance-by-layer charts as
// one mean curve with a ±1 sd band (ui/shared/seed_band.h, as on the Compare tab), their own
// curves hidden; a click inside a band shows them (thin, in the legend), a second hides them.
#include <map>
#include <set>
#include <vector>

#include <QColor>
#include <QObject>
#include <QString>

class QCPGraph;

namespace depthscope::ui {

class Chart;
class TrainCharts;

class TrainSeedBands : public QObject {
  Q_OBJECT
 public:
  explicit TrainSeedBands(const TrainCharts* charts, QObject* parent = nullptr);

  // One run's curves as the panel drew them: the curve per chart the band replaces, and the
  // curves hidden with it (the faint raw ones).
  struct RunCurves {
    QColor color;
    std::map<Chart*, QCPGraph*> curves;
    std::vector<QCPGraph*> hidden_with;
    QCPGraph* shared = nullptr;  // a curve every seed has alike (the learning rate): shown once
  };
  // Redraws the bands of every group ("Pre-LN": its runs) after the panel set the runs' data.
  void draw(const std::map<QString, std::vector<RunCurves>>& groups);
  bool shows_single_runs(const QString& group) const { return expanded_.count(group) > 0; }
  void toggle_single_runs(const QString& group);

 signals:
  void toggled();  // the panel redraws

 private:
  const TrainCharts* charts_;
  std::set<QString> expanded_;
};

}  // namespace depthscope::ui
