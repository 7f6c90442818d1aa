#pragma once
// LinkedAxes: groups of QCustomPlot axes that zoom and pan together. Setting the range of one
// axis of a group (the mouse wheel, a drag, a call) sets the same range on every other axis of
// the group and replots their charts (queued). A refit that sets several axes itself holds a
// `Pause` so that each axis keeps the range it was given.
// Used by Compare (the step axis of the run charts; every row of the checkpoint grid) and Train
// (the step axis of its four step charts).
#include <QList>
#include <QObject>

class QCPAxis;
class QCPRange;

namespace depthscope::ui {

// Sets the range only when it differs (no rangeChanged signal otherwise).
void set_range_quietly(QCPAxis* axis, const QCPRange& range);
// The smallest range that holds every axis's current range.
QCPRange union_range(const QList<QCPAxis*>& axes);

class LinkedAxes : public QObject {
  Q_OBJECT
 public:
  explicit LinkedAxes(QObject* parent = nullptr);

  // Links these axes into one group (nothing for fewer than two). An axis may be in several
  // groups over its life; a group whose axis is deleted stops with it.
  void link(const QList<QCPAxis*>& axes);
  // Stops propagating between every group linked so far (the axes themselves are untouched).
  void clear();
  int groups() const { return groups_.size(); }

  // While one lives, range changes are not propagated (a refit setting each axis itself).
  class Pause {
   public:
    explicit Pause(LinkedAxes* links) : links_(links) { ++links_->paused_; }
    ~Pause() { --links_->paused_; }
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    LinkedAxes* links_;
  };
  bool paused() const { return paused_ > 0; }

 signals:
  // A range was propagated from `source` to the rest of its group.
  void propagated(QCPAxis* source);

 private:
  QList<QObject*> groups_;  // one context object per group: deleting it drops its connections
  int paused_ = 0;
};

}  // namespace depthscope::ui
