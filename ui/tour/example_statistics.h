#pragma once
// ExampleStatistics: the layer statistics of the two example models (resources/examples) on
// a fixed text, and of the same shapes freshly initialised, computed once in the background
// for the Tour steps that show them (1: update sizes; 4: variance after training). Whichever
// of those steps is shown first starts it; both receive every layer as it comes.
#include <QObject>
#include <QString>

#include "core/model/config.h"

namespace depthscope::ui {

class TaskRunner;

class ExampleStatistics : public QObject {
  Q_OBJECT
 public:
  explicit ExampleStatistics(QObject* parent = nullptr);
  ~ExampleStatistics() override;

  // Starts once (until reset); the example models missing fails at once.
  void start();
  // Drops the work (restart); the next start() computes again.
  void reset();
  void cancel();

 signals:
  // The work started (the models are there).
  void started();
  // A layer of the trained example: output variance, and the blocks' update ratio
  // (‖attention update‖ + ‖MLP update‖) / ‖stream‖.
  void trained_layer(depthscope::NormScheme scheme, double layer, double variance, double update_ratio);
  // A layer of the same shape at initialisation.
  void fresh_layer(depthscope::NormScheme scheme, double layer, double variance);
  // A batch of layers arrived (replot once).
  void updated();
  void finished();
  void failed(const QString& message);

 private:
  TaskRunner* runner_;
  bool started_ = false;
};

}  // namespace depthscope::ui
