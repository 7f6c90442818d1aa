#pragma once
// "Model" tab: an opened checkpoint at a glance — its layers drawn as a column (parameters
// per layer, norm scheme colour) beside a table of the configuration.
#include <QWidget>

#include "core/io/model_summary.h"

class QLabel;
class QTableWidget;

namespace depthscope::ui {

// The column of layers: embeddings at the top, layer 1..L, final norm and head at the bottom.
class LayerColumn : public QWidget {
  Q_OBJECT
 public:
  explicit LayerColumn(QWidget* parent = nullptr);
  void set_summary(const ModelSummary& s);
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  ModelSummary summary_;
  bool has_summary_ = false;
};

class ModelSummaryPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModelSummaryPanel(QWidget* parent = nullptr);
  void set_summary(const ModelSummary& s);
  // The table as "field: value" lines (tests, copy).
  QString table_text() const;

 private:
  LayerColumn* column_;
  QTableWidget* table_;
  QLabel* heading_;
};

}  // namespace depthscope::ui
