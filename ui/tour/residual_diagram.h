#pragma once
// The residual stream drawn with QPainter for the Tour's first step: a horizontal stream
// x_1 -> x_2 -> ... -> head, each block reading LN(x_l) from it and adding F back at a (+).
// `scales` (optional, one per block) sets how thick each block's "adds" arrow is drawn, so
// the picture can show a trained model's update sizes.
#include <vector>

#include <QWidget>

namespace depthscope::ui {

class ResidualDiagram : public QWidget {
  Q_OBJECT
 public:
  explicit ResidualDiagram(QWidget* parent = nullptr);
  void set_font_scale(double s);
  QSize sizeHint() const override { return QSize(640, 220); }
  QSize minimumSizeHint() const override { return QSize(360, 160); }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  double font_scale_ = 1.0;
};

}  // namespace depthscope::ui
