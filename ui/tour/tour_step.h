#pragma once
// TourStep: one step of the Tour (ui/tour/tour_panel.h), one file per step under
// ui/tour/steps/. A step is its title, its paragraph, its figure, the work that fills the
// figure (started the first time the step is shown, stopped when the tour is left or
// restarted) and a summary line under the figure. TourPanel lays the steps out as pages and
// keeps the navigation and presenter mode; the list of steps is ui/tour/steps/tour_steps.cpp.
#include <QList>
#include <QObject>
#include <QString>

class QWidget;

namespace depthscope::ui {

class Chart;

class TourStep : public QObject {
  Q_OBJECT
 public:
  explicit TourStep(QObject* parent = nullptr) : QObject(parent) {}

  virtual QString title() const = 0;
  // The paragraph above the figure (rich text).
  virtual QString text() const = 0;
  // The figure, created once (the panel owns the widget).
  virtual QWidget* make_figure() = 0;
  // The step is shown for the first time (or again after a restart): start filling the
  // figure. Ends with finished() or failed(). Default: a static figure, finished at once.
  virtual void start() { emit finished(); }
  // The tour is left (another tab, the window closed): stop work that must not go on
  // unseen (live training); what is drawn stays.
  virtual void stop() {}
  // Restart: drop any work, back to the figure as before start().
  virtual void clear() { set_summary(QString()); }
  // Presenter mode: fonts times `scale` (1 normal). Default: the charts registered.
  virtual void set_scale(double scale);
  // The summary line under the figure (rich text; "" none).
  QString summary() const { return summary_; }
  QList<Chart*> charts() const { return charts_; }

 signals:
  void summary_changed(const QString& html);
  void finished();
  void failed(const QString& message);
  void log(const QString& message);

 protected:
  void set_summary(const QString& html);
  // Registers a chart of the figure (presenter fonts); returns it.
  Chart* track(Chart* chart);

 private:
  QString summary_;
  QList<Chart*> charts_;
};

}  // namespace depthscope::ui
