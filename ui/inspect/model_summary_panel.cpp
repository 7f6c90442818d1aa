#include "ui/inspect/model_summary_panel.h"

#include <algorithm>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {
constexpr int kRowHeight = 24;
constexpr int kGap = 3;

QColor scheme_color_for(const std::string& display) {
  for (NormScheme s : all_norm_schemes())
    if (display_name(s) == display || display_name(SchemeChoice{s, true}) == display) return scheme_color(s);
  return chart_axis_color();
}
}  // namespace

LayerColumn::LayerColumn(QWidget* parent) : QWidget(parent) { setMinimumWidth(340); }

void LayerColumn::set_summary(const ModelSummary& s) {
  summary_ = s;
  has_summary_ = true;
  updateGeometry();
  update();
}

QSize LayerColumn::sizeHint() const {
  const int rows = has_summary_ ? static_cast<int>(summary_.num_layers) + 2 : 4;
  return QSize(380, rows * (kRowHeight + kGap) + 16);
}

void LayerColumn::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), chart_background_color());
  if (!has_summary_) return;
  const QColor scheme = scheme_color_for(summary_.scheme);
  const int w = width() - 24;
  const std::int64_t max_layer = summary_.layer_parameters.empty()
      ? 1 : *std::max_element(summary_.layer_parameters.begin(), summary_.layer_parameters.end());
  int y = 8;
  const auto box = [&](const QString& left, const QString& right, const QColor& edge, const QColor& fill, double bar) {
    const QRect r(12, y, w, kRowHeight);
    p.setPen(QPen(edge, 1.2));
    p.setBrush(fill);
    p.drawRoundedRect(r, 4, 4);
    if (bar > 0) {  // parameter share as a thin bar along the bottom edge
      p.setPen(Qt::NoPen);
      p.setBrush(edge);
      p.drawRect(QRect(r.left() + 1, r.bottom() - 2, static_cast<int>((r.width() - 2) * bar), 3));
    }
    p.setPen(chart_text_color());
    p.drawText(r.adjusted(8, 0, -8, -2), Qt::AlignVCenter | Qt::AlignLeft, left);
    p.drawText(r.adjusted(8, 0, -8, -2), Qt::AlignVCenter | Qt::AlignRight, right);
    y += kRowHeight + kGap;
  };
  const QColor grey = chart_axis_color();
  box("Embeddings", human_count(static_cast<double>(summary_.parameters.embeddings)) + " params", grey,
      QColor(0xF4, 0xF5, 0xF7), 0);
  QColor fill = scheme.lighter(190);
  fill.setAlpha(90);
  for (std::size_t i = 0; i < summary_.layer_parameters.size(); ++i) {
    const double n = static_cast<double>(summary_.layer_parameters[i]);
    box(QString("Layer %1 · %2").arg(i + 1).arg(QString::fromStdString(summary_.scheme)),
        human_count(n) + " params", scheme, fill, n / static_cast<double>(std::max<std::int64_t>(1, max_layer)));
  }
  box("Final norm + LM head" + QString(summary_.tied_embeddings ? " (tied)" : ""),
      human_count(static_cast<double>(summary_.parameters.head + 0)) + " params", grey, QColor(0xF4, 0xF5, 0xF7), 0);
}

ModelSummaryPanel::ModelSummaryPanel(QWidget* parent) : QWidget(parent) {
  heading_ = new QLabel;
  heading_->setTextFormat(Qt::RichText);
  column_ = new LayerColumn;
  auto* scroll = new QScrollArea;
  scroll->setWidget(column_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(400);
  table_ = new QTableWidget(0, 2);
  table_->setHorizontalHeaderLabels({"Field", "Value"});
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);

  auto* body = new QHBoxLayout;
  body->addWidget(scroll, 1);
  body->addWidget(table_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 6);
  layout->addWidget(heading_);
  layout->addLayout(body, 1);
}

void ModelSummaryPanel::set_summary(const ModelSummary& s) {
  heading_->setText(QString("<span style='font-size:13pt'><b>%1</b></span> &nbsp; "
                            "<span style='color:%2'>%3 · %4 layers × d %5 · %6 parameters · %7</span>")
                        .arg(QString::fromStdString(s.path).section('/', -1).toHtmlEscaped(), hint_text_color().name(),
                             QString::fromStdString(s.family))
                        .arg(s.num_layers).arg(s.hidden_size)
                        .arg(human_count(static_cast<double>(s.parameters.total())),
                             QString::fromStdString(s.scheme).toHtmlEscaped()));
  column_->set_summary(s);
  const QList<QPair<QString, QString>> rows = {
      {"Path", QString::fromStdString(s.path)},
      {"Format", QString::fromStdString(s.format)},
      {"Stored dtype", QString::fromStdString(s.source_dtype)},
      {"Family", QString::fromStdString(s.family)},
      {"Norm scheme", QString::fromStdString(s.scheme)},
      {"Layers L", QString::number(s.num_layers)},
      {"d_model", QString::number(s.hidden_size)},
      {"FFN width", QString::number(s.intermediate_size)},
      {"Heads / KV heads", QString("%1 / %2").arg(s.num_heads).arg(s.num_kv_heads)},
      {"Head dim", QString::number(s.head_dim)},
      {"Vocabulary", QString::number(s.vocab_size)},
      {"Context (max position)", QString::number(s.max_position)},
      {"Tied embeddings", s.tied_embeddings ? "yes" : "no"},
      {"Parameters", QString("%1 (%2)").arg(human_count(static_cast<double>(s.parameters.total()))).arg(s.parameters.total())},
      {"  embeddings", QString::number(s.parameters.embeddings)},
      {"  attention", QString::number(s.parameters.attention)},
      {"  MLP", QString::number(s.parameters.mlp)},
      {"  norms", QString::number(s.parameters.norms)},
      {"  LM head", QString::number(s.parameters.head)},
      {"Memory held", QString("%1 MiB (%2)")
                          .arg(static_cast<double>(s.held_bytes) / (1024.0 * 1024.0), 0, 'f', 1)
                          .arg(s.source_dtype == "F32" ? QString("F32")
                                                       : QString::fromStdString(s.source_dtype) + ", widened one layer at a time")},
      {"Memory as float32", QString("%1 MiB").arg(static_cast<double>(s.memory_bytes) / (1024.0 * 1024.0), 0, 'f', 1)},
      {"Tokenizer", QString::fromStdString(s.tokenizer)},
  };
  table_->setRowCount(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    table_->setItem(i, 0, new QTableWidgetItem(rows[i].first));
    table_->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    table_->item(i, 1)->setToolTip(rows[i].second);
  }
}

QString ModelSummaryPanel::table_text() const {
  QStringList lines;
  for (int i = 0; i < table_->rowCount(); ++i)
    lines << table_->item(i, 0)->text() + ": " + table_->item(i, 1)->text();
  return lines.join('\n');
}

}  // namespace depthscope::ui
