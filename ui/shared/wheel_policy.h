#pragma once
// WheelPolicy: the mouse wheel over a chart on a scrolling page (Compare). The wheel alone
// scrolls the page; with Ctrl (or Shift / Alt) held it zooms the chart, as QCustomPlot does,
// and the zoom is then clamped to the data: an axis never shows more than its data's range
// with half of it again on each side (zooming out without limit left the heatmaps blank at
// -1000...1750). Install on each chart: WheelPolicy::install(chart).
#include <QObject>

namespace depthscope::ui {

class Chart;

class WheelPolicy : public QObject {
  Q_OBJECT
 public:
  static void install(Chart* chart);
  // Brings each axis of `chart` back within its data's range, widened by half of it on each side.
  static void clamp_to_data(Chart* chart);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  using QObject::QObject;
};

}  // namespace depthscope::ui
