#pragma once
// Crosshair: a vertical line and a read-out label at the same key (a step) on several charts
// that share their x axis. The mouse moving over one of the charts puts it there on all of
// them; leaving hides it. Every curve of every chart is read at the crosshair: the point of
// the curve nearest to it by key (so a curve evaluated every 10 steps reads its nearest
// evaluation). Used by Compare's run charts and Train's step charts.
#include <functional>

#include <QList>
#include <QObject>
#include <QString>
#include <QVector>

class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace depthscope::ui {

class Chart;

// One curve read at the crosshair.
struct CrosshairReading {
  QString chart;   // the chart's name given to add_chart ("train/loss", "val/ppl")
  QString series;  // the curve's name
  double key = 0;  // the key (step) of the point read: the nearest to the crosshair
  double value = 0;
};

// The point of `graph` nearest to `x` by key; false when the graph has no data.
bool nearest_point(const QCPGraph* graph, double x, double* key, double* value);

class Crosshair : public QObject {
  Q_OBJECT
 public:
  explicit Crosshair(QObject* parent = nullptr);

  // Follows the mouse over `chart`. `name` labels its readings; `short_name` ("loss") is
  // what the one-line text() calls its values.
  void add_chart(Chart* chart, const QString& name, const QString& short_name);
  // Which curves are read (default: every graph). Train reads the curves of the legend only,
  // not the faint raw ones behind them.
  void set_filter(std::function<bool(const QCPGraph*)> read) { read_ = std::move(read); }

  // Puts the crosshair at `x` on every chart (hidden when no chart has a curve).
  void set(double x);
  void hide();
  bool visible() const;
  double x() const { return x_; }
  // Every curve read at the crosshair, chart by chart.
  QVector<CrosshairReading> readings() const;
  // One line: "step 20 │ A: loss 2.1, val PPL 9.3 │ B: …" ("" when nothing is read).
  QString text() const;
  // Puts it where it was again (after the curves or the ranges changed), when shown.
  void refresh();

 signals:
  // The crosshair moved; text(): the new read-out (hiding it keeps the last one).
  void moved(const QString& text);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Part {
    Chart* chart = nullptr;
    QString name, short_name;
    QCPItemStraightLine* line = nullptr;
    QCPItemText* label = nullptr;
  };
  void position(const Part& part);
  QString label_text(const Part& part) const;
  bool reads(const QCPGraph* graph) const { return !read_ || read_(graph); }

  QList<Part> parts_;
  std::function<bool(const QCPGraph*)> read_;
  double x_ = 0;
};

}  // namespace depthscope::ui
