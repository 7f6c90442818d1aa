#pragma once
// Chart: a QCustomPlot with DepthScope's look (title, subtitle, axis labels, legend, light
// grid), an empty/error message in the middle of the plot, exact values on hover, log-y,
// and export (PNG / SVG / PDF / CSV) from its context menu. Every chart in the GUI is one.
#include <functional>

#include <qcustomplot.h>

#include "ui/shared/csv_table.h"

namespace depthscope::ui {

// Viridis: perceptually uniform, readable in grey; NaN cells transparent. For colour maps.
QCPColorGradient viridis_gradient();
// A colour scale for `map` right of `chart`'s plot, aligned with it top and bottom, both in
// `gradient`. Returns the scale (owned by the chart).
QCPColorScale* attach_colour_scale(QCustomPlot* chart, QCPColorMap* map, const QString& label,
                                   const QCPColorGradient& gradient, int bar_width = 12);

class Chart : public QCustomPlot {
  Q_OBJECT
 public:
  // `file_stem` names exported files ("depth-at-a-glance").
  explicit Chart(const QString& file_stem, QWidget* parent = nullptr);

  void set_title(const QString& title, const QString& subtitle = QString());
  QString title() const;
  QString subtitle() const { return subtitle_text_; }
  // Breaks the title and the message at their spaces and the subtitle at its " · " separators
  // into lines that fit `width` pixels (done on every resize for the widget's width, and by the export for
  // the exported width).
  void wrap_subtitle(int width);
  void set_axis_labels(const QString& x, const QString& y);
  void set_log_y(bool on);
  // x axis counts whole things (layers, steps): ticks on integers only.
  void set_integer_x();
  bool log_y() const { return log_y_; }

  // A line series with markers, in the given colour, listed in the legend.
  QCPGraph* add_line_series(const QString& name, const QColor& color);

  // Centred message over the plot area (empty state, error, "computing…"); "" hides it.
  void set_message(const QString& text);
  QString message() const;

  // Hover text for a point: (series name, key, value) -> text. Default: "name\nkey: value".
  using TooltipFn = std::function<QString(const QString& series, double key, double value)>;
  void set_tooltip(TooltipFn fn) { tooltip_ = std::move(fn); }
  // Hover text for a colour-map cell: (key, value, cell) -> text.
  using CellTooltipFn = std::function<QString(double key, double value, double cell)>;
  void set_cell_tooltip(CellTooltipFn fn) { cell_tooltip_ = std::move(fn); }
  // The text shown when hovering at widget position `pos`; empty when no point is near.
  QString tooltip_at(const QPointF& pos) const;

  // The chart's data for "Export data as CSV".
  void set_csv_provider(std::function<CsvTable()> fn) { csv_ = std::move(fn); }
  CsvTable csv() const { return csv_ ? csv_() : CsvTable{}; }
  QString file_stem() const { return file_stem_; }
  // What the chart shows data of — a model, a run, an experiment ("llama-pre", "run #3
  // seeds/pre/seed-1"): printed under every exported image of the chart, not on screen.
  void set_source(const QString& source) { source_ = source; }
  QString source() const { return source_; }

  // Fits both axes to the data (log-y safe) and replots.
  void fit_to_data();

  // On each replot the legend moves to the corner of the plot where it covers the least data
  // (legend_placement.h), preferring the corner it was first put in. Off: it stays put.
  void set_legend_follows_data(bool on) { legend_follows_data_ = on; }

 protected:
  void contextMenuEvent(QContextMenuEvent* event) override;
  // Re-colours the chart when the application switches between light and dark.
  void changeEvent(QEvent* event) override;

 private:
  void resizeEvent(QResizeEvent* event) override;
  void on_mouse_move(QMouseEvent* event);
  // Background, axes, grid, title, legend and message in the current theme's colours.
  void apply_theme_colors();
  void place_legend();
  void style_legend_box();

  QString file_stem_;
  QString source_;
  QString title_text_;
  QString message_text_;
  QString subtitle_text_;
  QCPTextElement* title_ = nullptr;
  QCPTextElement* subtitle_ = nullptr;
  QCPItemText* message_ = nullptr;
  bool log_y_ = false;
  bool legend_follows_data_ = true;
  bool legend_preference_set_ = false;
  Qt::Alignment legend_preference_;
  TooltipFn tooltip_;
  CellTooltipFn cell_tooltip_;
  std::function<CsvTable()> csv_;
};

}  // namespace depthscope::ui
