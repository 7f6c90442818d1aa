#include "ui/tour/tour_panel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <thread>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHideEvent>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/analysis/variance_at_init.h"
#include "core/error.h"
#include "core/jobs/job_manager.h"
#include "core/session/model_session.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/examples.h"
#include "ui/tour/residual_diagram.h"

namespace depthscope::ui {
namespace {

constexpr NormScheme kSchemes[] = {NormScheme::pre, NormScheme::lns};

// Step 2's fresh model: deep enough for the growth to show, small enough for a second or two.
constexpr int kInitLayers = 48;
constexpr int kInitWidth = 128;

// Tokens of the evaluation text for steps 1, 4 (statistics) and 5 (removal sweep).
constexpr std::int64_t kStatsTokens = 4096;
constexpr std::int64_t kRemovalTokens = 2048;
constexpr std::int64_t kEvalContext = 128;

const char* kTitles[TourPanel::kSteps] = {
    "The residual stream: what a block adds",
    "Variance at initialisation: Pre-LN vs LNS",
    "What LayerNorm Scaling changes",
    "Variance after training: the example models",
    "Removing layers: which ones cost little",
    "Train a tiny pair yourself",
    "Summary: what the paper measured",
};

QString scheme_html(NormScheme s) {
  return QString("<span style='color:%1'>&#9679;</span>&nbsp;<b>%2</b>")
      .arg(scheme_color(s).name(), scheme_label(s).toHtmlEscaped());
}

QColor faint(QColor c, int alpha = 110) {
  c.setAlpha(alpha);
  return c;
}

void set_chart_fonts(Chart* chart, double scale) {
  const auto sized = [&](double pt, bool bold = false) {
    QFont f = chart->font();
    f.setPointSizeF(pt * scale);
    f.setBold(bold);
    return f;
  };
  for (QCPAxis* axis : {chart->xAxis, chart->yAxis}) {
    axis->setTickLabelFont(sized(9.5));
    axis->setLabelFont(sized(10.5));
  }
  chart->legend->setFont(sized(10));
  chart->legend->setIconSize(static_cast<int>(24 * scale), static_cast<int>(12 * scale));
  if (auto* t = qobject_cast<QCPTextElement*>(chart->plotLayout()->element(0, 0))) t->setFont(sized(12.5, true));
  if (auto* t = qobject_cast<QCPTextElement*>(chart->plotLayout()->element(1, 0))) t->setFont(sized(9.5));
  for (int i = 0; i < chart->graphCount(); ++i) {
    QCPGraph* g = chart->graph(i);
    QPen pen = g->pen();
    const double base = g->property("base_width").isValid() ? g->property("base_width").toDouble() : pen.widthF();
    g->setProperty("base_width", base);
    pen.setWidthF(base * (scale > 1 ? 1.4 : 1.0));
    g->setPen(pen);
  }
  chart->replot(QCustomPlot::rpQueuedReplot);
}

QCPGraph* dashed_series(Chart* chart, const QString& name, const QColor& color) {
  QCPGraph* g = chart->add_line_series(name, color);
  g->setPen(QPen(faint(color, 150), 1.6, Qt::DashLine));
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
  return g;
}

QCPBars* add_bars(Chart* chart, const QString& name, const QColor& color, double width) {
  auto* b = new QCPBars(chart->xAxis, chart->yAxis);
  b->setName(name);
  b->setPen(QPen(color.darker(115), 1));
  b->setBrush(faint(color, 210));
  b->setWidth(width);
  return b;
}

double last_over_first(const QCPGraph* g) {
  if (!g || g->data()->size() < 2) return std::nan("");
  const double first = g->data()->constBegin()->value;
  const double last = (g->data()->constEnd() - 1)->value;
  return first > 0 ? last / first : std::nan("");
}

// The tour's live pair: 12 layers x 64, bytes, a short run of each scheme side by side.
std::string live_spec_json(int steps) {
  const bool small_text = QFileInfo::exists(QString::fromUtf8(kDefaultCorpus));
  const std::string text = small_text ? std::string("[\"") + kDefaultCorpus + "\"]" : "[]";
  return std::string("{\n") +
         "  \"name\": \"tour-pair\",\n"
         "  \"model\": {\"layers\": 12, \"hidden\": 64, \"heads\": 2},\n"
         "  \"schemes\": [\"pre\", \"lns\"],\n"
         "  \"corpus\": {\"text\": " + text + ", \"tokenizer\": \"bytes\"},\n"
         "  \"steps\": " + std::to_string(steps) + ",\n"
         "  \"batch\": 8,\n  \"seq\": 64,\n  \"lr\": 0.002,\n  \"seed\": 1,\n"
         "  \"eval_every\": " + std::to_string(std::max(1, steps / 4)) + ",\n"
         "  \"eval_tokens\": 4096,\n"
         "  \"layer_metrics_every\": " + std::to_string(std::max(1, steps / 16)) + ",\n"
         "  \"checkpoint_every\": 0,\n  \"threads\": 1\n}\n";
}

}  // namespace

// =====================================================================================
TourPanel::TourPanel(QWidget* parent)
    : QWidget(parent),
      init_runner_(new TaskRunner(this)),
      examples_runner_(new TaskRunner(this)),
      removal_runner_(new TaskRunner(this)),
      live_runner_(new TaskRunner(this)) {
  setObjectName("tour_panel");
  cli_path_ = QDir(QCoreApplication::applicationDirPath()).filePath("depthscope-cli");

  header_ = new QLabel;
  header_->setObjectName("tour_header");
  header_->setTextFormat(Qt::RichText);
  dots_ = new QLabel;
  dots_->setTextFormat(Qt::RichText);
  dots_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  auto* top = new QHBoxLayout;
  top->addWidget(header_, 1);
  top->addWidget(dots_);

  stack_ = new QStackedWidget;
  const QString texts[kSteps] = {
      // 1
      "A transformer carries one vector per token, the <b>residual stream</b> x. Block l reads a "
      "normalised copy, computes an update F and <i>adds</i> it: x<sub>l+1</sub> = x<sub>l</sub> + "
      "F(LN(x<sub>l</sub>)). Nothing is overwritten, so the stream only accumulates, and a block whose "
      "update is small next to the stream barely changes it. The chart measures this for the two trained "
      "example models (24 layers): the size of each block's update relative to the stream it is added to.",
      // 2
      "Take a fresh model (paper initialisation, random tokens) and measure the variance of the stream "
      "after every block. In <b>Pre-LN</b> every block adds its update at full strength, so the variance "
      "keeps growing with depth: the paper proves it grows between &Theta;(L) and &Theta;(exp L). With "
      "<b>LayerNorm Scaling</b> (LNS) the growth is far slower. Both curves are computed now, layer by layer.",
      // 3
      "LNS multiplies the output of each layer's normalisation by 1/&radic;l, l = 1..L. Both norms of a "
      "layer use the same factor, the final norm before the head is not scaled, and nothing is learned: "
      "no new parameter, no new hyperparameter. In DepthScope's model it is one multiplication, shown "
      "below exactly as it appears in core/model/transformer.cpp.",
      // 4
      "The two example models were trained by DepthScope itself with identical settings, data order and "
      "initial weights (deep-narrow: 24 layers &times; 96, 600 steps on the default corpus); only the "
      "norm scheme differs. The chart shows the variance of the stream after each layer on a fixed text, "
      "dashed: the same models before training.",
      // 5
      "Bypass one layer (x<sub>l+1</sub> = x<sub>l</sub>, no retraining) and measure how much the "
      "perplexity on a fixed text rises. In the paper's large Pre-LN models the deep layers cost little to "
      "remove, a sign that they contribute little, and LNS makes them count again. The examples are small "
      "(24 &times; 96) and trained for 600 steps only: the bars show what holds for them, and the note below "
      "adds up the cost of the first and the second half of the layers. The bars fill in as the sweep runs.",
      // 6
      "Train a small Pre-LN and LNS pair yourself (12 layers &times; 64, bytes, same seed and data). Two "
      "<tt>depthscope-cli</tt> training processes write into a temporary run database while this page "
      "reads their metrics and draws them: the training loss, and the residual-stream variance by layer "
      "at the latest step. It takes a minute or two on two cores; leaving the tour stops it.",
      // 7
      "The paper (Sun et al., <i>The Curse of Depth in Large Language Models</i>, 2025) trains Llama-style "
      "models from 130M to 1B parameters on C4. LNS lowers the validation perplexity at every size, with "
      "no extra parameters and no change to the recipe.",
  };
  QWidget* figures[kSteps] = {make_stream_figure(), make_init_figure(), make_lns_figure(), make_trained_figure(),
                              make_removal_figure(), make_live_figure(), make_summary_figure()};
  for (int i = 0; i < kSteps; ++i) stack_->addWidget(make_page(i + 1, figures[i], texts[i]));

  back_button_ = new QPushButton(QString::fromUtf8("\u25C0  Back"));
  back_button_->setObjectName("tour_back");
  back_button_->setToolTip("Previous step (Left arrow or Page Up)");
  next_button_ = new QPushButton(QString::fromUtf8("Next  \u25B6"));
  next_button_->setObjectName("tour_next");
  next_button_->setDefault(true);
  next_button_->setToolTip("Next step (Right arrow or Page Down)");
  restart_button_ = new QPushButton("Restart");
  restart_button_->setObjectName("tour_restart");
  restart_button_->setToolTip("Back to step 1, figures recomputed (Home)");
  presenter_button_ = new QPushButton("Presenter mode");
  presenter_button_->setObjectName("tour_presenter");
  presenter_button_->setCheckable(true);
  presenter_button_->setToolTip("Large fonts for a projector (F5)");
  auto* nav = new QHBoxLayout;
  nav->addWidget(restart_button_);
  nav->addWidget(presenter_button_);
  nav->addStretch(1);
  nav->addWidget(back_button_);
  nav->addWidget(next_button_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(14, 10, 14, 10);
  layout->setSpacing(8);
  layout->addLayout(top);
  layout->addWidget(stack_, 1);
  layout->addLayout(nav);

  connect(back_button_, &QPushButton::clicked, this, &TourPanel::back);
  connect(next_button_, &QPushButton::clicked, this, &TourPanel::next);
  connect(restart_button_, &QPushButton::clicked, this, &TourPanel::restart);
  connect(presenter_button_, &QPushButton::toggled, this, &TourPanel::set_presenter_mode);
  const auto shortcut = [this](const QKeySequence& keys, void (TourPanel::*slot)()) {
    auto* s = new QShortcut(keys, this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, slot);
  };
  shortcut(QKeySequence(Qt::Key_Right), &TourPanel::next);
  shortcut(QKeySequence(Qt::Key_PageDown), &TourPanel::next);
  shortcut(QKeySequence(Qt::Key_Left), &TourPanel::back);
  shortcut(QKeySequence(Qt::Key_PageUp), &TourPanel::back);
  shortcut(QKeySequence(Qt::Key_Home), &TourPanel::restart);
  shortcut(QKeySequence(Qt::Key_F5), &TourPanel::toggle_presenter_mode);

  for (TaskRunner* r : {init_runner_, examples_runner_, removal_runner_}) {
    connect(r, &TaskRunner::updated, this, [this, r](int) {
      if (r == init_runner_) init_chart_->fit_to_data();
      if (r == examples_runner_) {
        trained_chart_->fit_to_data();
        trained_chart_->xAxis->setRange(0.5, std::max(2.0, trained_chart_->xAxis->range().upper));
        stream_chart_->fit_to_data();
        update_trained_summary();
      }
      if (r == removal_runner_) {
        removal_chart_->fit_to_data();
        update_removal_summary();
      }
    });
  }
  connect(init_runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (!cancelled) finish_step(2);
  });
  connect(init_runner_, &TaskRunner::failed, this, [this](int, const QString& m) { set_step_error(2, m); });
  connect(examples_runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (cancelled) return;
    update_trained_summary();
    finish_step(1);
    finish_step(4);
  });
  connect(examples_runner_, &TaskRunner::failed, this, [this](int, const QString& m) {
    set_step_error(1, m);
    set_step_error(4, m);
  });
  connect(removal_runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (cancelled) return;
    update_removal_summary();
    finish_step(5);
  });
  connect(removal_runner_, &TaskRunner::failed, this, [this](int, const QString& m) { set_step_error(5, m); });
  connect(live_runner_, &TaskRunner::updated, this, [this](int) {
    live_loss_chart_->fit_to_data();
    live_variance_chart_->fit_to_data();
  });
  connect(live_runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double seconds) {
    live_ = false;
    live_start_button_->setEnabled(true);
    live_stop_button_->setEnabled(false);
    live_start_button_->setText("Start again");
    set_live_status(cancelled ? "Stopped." : QString("Done in %1 s.").arg(seconds, 0, 'f', 0));
    finish_step(6);
  });
  connect(live_runner_, &TaskRunner::failed, this, [this](int, const QString& m) {
    live_ = false;
    live_start_button_->setEnabled(true);
    live_stop_button_->setEnabled(false);
    set_live_status("Could not train: " + m);
    set_step_error(6, m);
  });

  apply_fonts();
  go_to(1);
}

TourPanel::~TourPanel() {
  // The runners are children: they cancel and wait for their threads when deleted. The live
  // task stops its training jobs when cancelled, so cancel it first and wait for it here,
  // before the temporary folders go.
  for (TaskRunner* r : {init_runner_, examples_runner_, removal_runner_}) r->cancel();
  live_runner_->cancel();
  delete live_runner_;
  live_runner_ = nullptr;
}

QString TourPanel::step_title(int step) const {
  return step >= 1 && step <= kSteps ? QString(kTitles[step - 1]) : QString();
}

QCPGraph* TourPanel::init_graph(NormScheme s) const {
  auto it = init_graphs_.find(s);
  return it == init_graphs_.end() ? nullptr : it->second;
}
QCPGraph* TourPanel::trained_graph(NormScheme s) const {
  auto it = trained_graphs_.find(s);
  return it == trained_graphs_.end() ? nullptr : it->second;
}
QCPBars* TourPanel::removal_bars(NormScheme s) const {
  auto it = removal_bars_.find(s);
  return it == removal_bars_.end() ? nullptr : it->second;
}
QCPGraph* TourPanel::live_loss_graph(NormScheme s) const {
  auto it = live_loss_graphs_.find(s);
  return it == live_loss_graphs_.end() ? nullptr : it->second;
}
bool TourPanel::step_done(int step) const {
  auto it = done_.find(step);
  return it != done_.end() && it->second;
}
QString TourPanel::step_error(int step) const {
  auto it = errors_.find(step);
  return it == errors_.end() ? QString() : it->second;
}
bool TourPanel::live_training() const { return live_; }
QString TourPanel::live_database() const { return live_db_; }

// --- pages ------------------------------------------------------------------------------
QWidget* TourPanel::make_page(int step, QWidget* figure, const QString& text) {
  auto* page = new QWidget;
  auto* text_label = new QLabel(text);
  text_label->setObjectName(QString("tour_text_%1").arg(step));
  text_label->setTextFormat(Qt::RichText);
  text_label->setWordWrap(true);
  text_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  text_label->setContentsMargins(2, 0, 2, 4);
  texts_.push_back(text_label);
  auto* note = new QLabel;
  note->setObjectName(QString("tour_note_%1").arg(step));
  note->setTextFormat(Qt::RichText);
  note->setWordWrap(true);
  note->setContentsMargins(2, 2, 2, 0);
  notes_.push_back(note);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(6);
  layout->addWidget(text_label);
  layout->addWidget(figure, 1);
  layout->addWidget(note);
  return page;
}

QWidget* TourPanel::make_stream_figure() {
  auto* w = new QWidget;
  diagram_ = new ResidualDiagram;
  stream_chart_ = new Chart("tour-block-updates");
  charts_.push_back(stream_chart_);
  stream_chart_->set_title("How much each block adds, relative to the stream",
                           "trained example models · mean over tokens of ‖F(x)‖ / ‖x‖ (attention + MLP)");
  stream_chart_->set_axis_labels("layer l", "‖update‖ / ‖stream‖  (log scale)");
  stream_chart_->set_log_y(true);
  stream_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  for (NormScheme s : kSchemes)
    stream_graphs_[s] = stream_chart_->add_line_series(scheme_label(s) + " (trained)", scheme_color(s));
  stream_chart_->set_message("Loading the example models…");
  auto* layout = new QHBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(diagram_, 5);
  layout->addWidget(stream_chart_, 4);
  return w;
}

QWidget* TourPanel::make_init_figure() {
  init_chart_ = new Chart("tour-variance-at-init");
  charts_.push_back(init_chart_);
  VarianceAtInitRequest r;
  r.layers = kInitLayers;
  r.width = kInitWidth;
  const ModelConfig c = variance_at_init_config(r);
  init_chart_->set_title("Residual-stream variance at initialisation",
                         QString("fresh Llama-style model · %1 layers × %2 · %3 heads · paper init (std 0.02) · "
                                 "random tokens")
                             .arg(kInitLayers).arg(kInitWidth).arg(c.num_heads));
  init_chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  for (NormScheme s : kSchemes) init_graphs_[s] = init_chart_->add_line_series(scheme_label(s), scheme_color(s));
  init_chart_->set_log_y(true);
  init_chart_->xAxis->setRange(0.5, kInitLayers + 0.5);
  init_chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1, after layer %2\nVar = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 5);
  });
  return init_chart_;
}

QWidget* TourPanel::make_lns_figure() {
  auto* w = new QWidget;
  formula_box_ = new QLabel(
      "<table cellpadding='3'>"
      "<tr><td><b>Pre-LN</b></td><td>h = x + Attn(LN(x))</td><td>&nbsp;&nbsp;y = h + FFN(LN(h))</td></tr>"
      "<tr><td><b style='color:" + scheme_color(NormScheme::lns).name() + "'>LNS</b></td>"
      "<td>h = x + Attn(LN(x) <b style='color:" + scheme_color(NormScheme::lns).name() + "'>/ &radic;l</b>)</td>"
      "<td>&nbsp;&nbsp;y = h + FFN(LN(h) <b style='color:" + scheme_color(NormScheme::lns).name() +
      "'>/ &radic;l</b>)</td></tr></table>");
  formula_box_->setTextFormat(Qt::RichText);
  formula_box_->setAlignment(Qt::AlignCenter);
  // Code colours for the theme at start (GitHub's light and dark code colours).
  const bool dark = dark_theme();
  const QString comment = dark ? "#8B949E" : "#6a737d", mark = dark ? "#5A4A12" : "#FFF3C4";
  code_box_ = new QLabel(
      QString("<pre style='margin:0'>"
              "<span style='color:%1'>// core/model/transformer.cpp, Transformer::block (Pre-LN family)</span>\n"
              "const double s = lns_scale(config_, layer);   <span style='color:%1'>// 1/sqrt(l) under LNS, else 1</span>\n"
              "at::Tensor attn_in = norm(x, lw.attn_norm_w, lw.attn_norm_b);\n"
              "<b style='background:%2'>if (s != 1.0) attn_in = attn_in * s;</b>   <span style='color:%1'>// the line LNS adds "
              "(and the same for mlp_in)</span>"
              "</pre>").arg(comment, mark));
  code_box_->setTextFormat(Qt::RichText);
  code_box_->setObjectName("tour_code");
  code_box_->setFrameShape(QFrame::StyledPanel);
  code_box_->setStyleSheet(QString("QLabel#tour_code { background: %1; border: 1px solid %2; border-radius: 4px; "
                                   "padding: 8px; }").arg(dark ? "#161B22" : "#F6F8FA", dark ? "#30363D" : "#D0D7DE"));
  QFont mono("monospace");
  mono.setStyleHint(QFont::Monospace);
  code_box_->setFont(mono);

  lns_chart_ = new Chart("tour-lns-factor");
  charts_.push_back(lns_chart_);
  lns_chart_->set_title("The factor each layer's norm output is multiplied by", "24 layers, as in the example models");
  lns_chart_->set_axis_labels("layer l", "factor");
  auto* pre = lns_chart_->add_line_series("Pre-LN: 1", scheme_color(NormScheme::pre));
  auto* bars = add_bars(lns_chart_, QString::fromUtf8("LNS: 1/\u221Al"), scheme_color(NormScheme::lns), 0.7);
  for (int l = 1; l <= 24; ++l) {
    pre->addData(l, 1.0);
    bars->addData(l, 1.0 / std::sqrt(static_cast<double>(l)));
  }
  pre->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
  lns_chart_->set_integer_x();
  lns_chart_->fit_to_data();
  lns_chart_->yAxis->setRange(0, 1.15);
  lns_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  auto* layout = new QVBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(formula_box_);
  layout->addWidget(code_box_);
  layout->addWidget(lns_chart_, 1);
  return w;
}

QWidget* TourPanel::make_trained_figure() {
  trained_chart_ = new Chart("tour-variance-trained");
  charts_.push_back(trained_chart_);
  trained_chart_->set_title("Residual-stream variance after training",
                            "example models (deep-narrow 24 × 96) on a fixed text · dashed: the same shape freshly "
                            "initialised");
  trained_chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  for (NormScheme s : kSchemes) {
    trained_graphs_[s] = trained_chart_->add_line_series(scheme_label(s) + " trained", scheme_color(s));
  }
  for (NormScheme s : kSchemes)
    untrained_graphs_[s] = dashed_series(trained_chart_, scheme_label(s) + " at init", scheme_color(s));
  trained_chart_->set_log_y(true);
  trained_chart_->set_integer_x();
  trained_chart_->set_message("Loading the example models…");
  trained_chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1, after layer %2\nVar = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 5);
  });
  return trained_chart_;
}

QWidget* TourPanel::make_removal_figure() {
  removal_chart_ = new Chart("tour-layer-removal");
  charts_.push_back(removal_chart_);
  removal_chart_->set_title("Cost of removing one layer",
                            "example models · ΔPPL on a fixed text with layer l bypassed · below 0.001 drawn at 0.001");
  removal_chart_->set_axis_labels("layer removed", "ΔPPL  (log scale)");
  auto* group = new QCPBarsGroup(removal_chart_);
  group->setSpacingType(QCPBarsGroup::stAbsolute);
  group->setSpacing(1);
  for (NormScheme s : kSchemes) {
    removal_bars_[s] = add_bars(removal_chart_, scheme_label(s), scheme_color(s), 0.4);
    removal_bars_[s]->setBarsGroup(group);
    removal_bars_[s]->setBaseValue(0);
  }
  removal_chart_->set_log_y(true);
  removal_chart_->set_integer_x();
  removal_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  removal_chart_->set_message("Loading the example models…");
  removal_chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1: without layer %2\nΔPPL = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 4);
  });
  return removal_chart_;
}

QWidget* TourPanel::make_live_figure() {
  auto* w = new QWidget;
  live_start_button_ = new QPushButton("Start training");
  live_start_button_->setObjectName("tour_live_start");
  live_start_button_->setToolTip("Start two depthscope-cli training processes (Pre-LN and LNS) in a temporary folder");
  live_stop_button_ = new QPushButton("Stop");
  live_stop_button_->setObjectName("tour_live_stop");
  live_stop_button_->setToolTip("Stop the tiny pair training live; the curves drawn so far stay");
  live_stop_button_->setEnabled(false);
  live_status_ = new QLabel("Press Start: nothing runs until you do.");
  live_status_->setTextFormat(Qt::RichText);
  live_status_->setStyleSheet(QString("color: %1").arg(hint_text_color().name()));
  auto* controls = new QHBoxLayout;
  controls->addWidget(live_start_button_);
  controls->addWidget(live_stop_button_);
  controls->addSpacing(10);
  controls->addWidget(live_status_, 1);

  live_loss_chart_ = new Chart("tour-live-loss");
  live_variance_chart_ = new Chart("tour-live-variance");
  charts_.push_back(live_loss_chart_);
  charts_.push_back(live_variance_chart_);
  live_loss_chart_->set_title("Training loss", "12 layers × 64 · bytes · batch 8 × 64 tokens");
  live_loss_chart_->set_axis_labels("step", "loss (nats per byte)");
  live_variance_chart_->set_title("Residual-stream variance by layer", "at the latest logged step of each run");
  live_variance_chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  live_variance_chart_->set_log_y(true);
  live_variance_chart_->set_integer_x();
  for (NormScheme s : kSchemes) {
    live_loss_graphs_[s] = live_loss_chart_->add_line_series(scheme_label(s), scheme_color(s));
    live_loss_graphs_[s]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
    live_variance_graphs_[s] = live_variance_chart_->add_line_series(scheme_label(s), scheme_color(s));
  }
  live_loss_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  live_loss_chart_->set_message("Press Start training.");
  live_variance_chart_->set_message("Press Start training.");
  auto* charts = new QHBoxLayout;
  charts->addWidget(live_loss_chart_, 1);
  charts->addWidget(live_variance_chart_, 1);
  auto* layout = new QVBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addLayout(charts, 1);
  connect(live_start_button_, &QPushButton::clicked, this, &TourPanel::start_live_training);
  connect(live_stop_button_, &QPushButton::clicked, this, &TourPanel::stop_live_training);
  return w;
}

QWidget* TourPanel::make_summary_figure() {
  auto* w = new QWidget;
  summary_chart_ = new Chart("tour-paper-summary");
  charts_.push_back(summary_chart_);
  summary_chart_->set_title("Validation perplexity in the paper (lower is better)",
                            "Llama-style models on C4 · Sun et al. 2025, Table 1");
  summary_chart_->set_axis_labels("model size", "validation perplexity");
  const char* sizes[] = {"130M", "250M", "350M", "1B"};
  const double pre[] = {26.73, 21.92, 19.58, 17.02};
  const double lns[] = {25.76, 20.35, 18.20, 15.71};
  auto* group = new QCPBarsGroup(summary_chart_);
  auto* b_pre = add_bars(summary_chart_, "Pre-LN", scheme_color(NormScheme::pre), 0.35);
  auto* b_lns = add_bars(summary_chart_, "Pre-LN + LNS", scheme_color(NormScheme::lns), 0.35);
  b_pre->setBarsGroup(group);
  b_lns->setBarsGroup(group);
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int i = 0; i < 4; ++i) {
    b_pre->addData(i + 1, pre[i]);
    b_lns->addData(i + 1, lns[i]);
    ticker->addTick(i + 1, sizes[i]);
    auto* label = new QCPItemText(summary_chart_);
    label->position->setCoords(i + 1, std::max(pre[i], lns[i]) + 0.6);
    label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    label->setText(QString("%1 → %2").arg(pre[i], 0, 'f', 2).arg(lns[i], 0, 'f', 2));
    label->setColor(chart_text_color());
  }
  summary_chart_->xAxis->setTicker(ticker);
  summary_chart_->xAxis->setRange(0.4, 4.6);
  summary_chart_->yAxis->setRange(0, 31);
  summary_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  summary_table_ = new QLabel(
      "<ul style='margin-left:-20px'>"
      "<li><b>Why:</b> in Pre-LN the residual variance grows with depth, so deep blocks see inputs that dwarf "
      "their own update; their Jacobian approaches the identity and they contribute little. About half the "
      "layers of Llama-, Qwen-, DeepSeek- and Mistral-family models can be removed with little loss.</li>"
      "<li><b>Variance:</b> after 10K steps of LLaMA-130M the last layer's variance reached ~175 in Pre-LN and "
      "stayed near 25 with LNS.</li>"
      "<li><b>Fix:</b> scale each LayerNorm output by 1/&radic;l. No parameters, no hyperparameters; the "
      "position matters (after the norm: 25.76; scaling the residual instead diverges).</li>"
      "<li><b>Larger:</b> OLMo-7B on 20B tokens, final loss 2.69 (Pre-LN) vs 2.50 (LNS); fine-tuned averages "
      "36.93 &rarr; 43.14 at 250M and 43.01 &rarr; 44.87 at 1B.</li>"
      "<li><b>In DepthScope:</b> every figure of this tour is one click away in the Inspect, Train and Compare "
      "tabs, on your own checkpoints.</li></ul>");
  summary_table_->setTextFormat(Qt::RichText);
  summary_table_->setWordWrap(true);
  auto* layout = new QHBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(summary_chart_, 5);
  layout->addWidget(summary_table_, 4);
  return w;
}

// --- navigation -------------------------------------------------------------------------
void TourPanel::go_to(int step) {
  step = std::clamp(step, 1, kSteps);
  const bool changed = step != step_;
  step_ = step;
  stack_->setCurrentIndex(step - 1);
  update_nav();
  start_step_work(step);
  if (changed) emit step_changed(step);
}

void TourPanel::next() { go_to(step_ + 1); }
void TourPanel::back() { go_to(step_ - 1); }

void TourPanel::restart() {
  stop_live_training();
  for (TaskRunner* r : {init_runner_, examples_runner_, removal_runner_}) r->abandon();
  started_.clear();
  done_.clear();
  errors_.clear();
  clear_figures();
  const bool changed = step_ != 1;
  step_ = 0;  // so go_to(1) starts the step's work again
  go_to(1);
  if (!changed) emit step_changed(1);
  emit log("Tour: restarted");
}

void TourPanel::update_nav() {
  header_->setText(QString("<span style='color:%1'>Step %2 of %3</span>&nbsp;&nbsp;<b>%4</b>")
                       .arg(hint_text_color().name()).arg(step_).arg(kSteps).arg(step_title(step_).toHtmlEscaped()));
  QString dots;
  for (int i = 1; i <= kSteps; ++i)
    dots += QString("<span style='color:%1'>%2</span> ")
                .arg(i == step_ ? scheme_color(NormScheme::pre).name() : QString("#C8CDD3"))
                .arg(QString::fromUtf8(i == step_ ? "\u25CF" : "\u25CB"));
  dots_->setText(dots);
  back_button_->setEnabled(step_ > 1);
  next_button_->setEnabled(step_ < kSteps);
}

void TourPanel::set_presenter_mode(bool on) {
  if (presenter_ == on) return;
  presenter_ = on;
  if (presenter_button_->isChecked() != on) presenter_button_->setChecked(on);
  apply_fonts();
  emit log(on ? "Tour: presenter mode on" : "Tour: presenter mode off");
}

void TourPanel::apply_fonts() {
  const double scale = presenter_ ? 1.6 : 1.0;
  const auto sized = [&](double pt, bool bold = false) {
    QFont f = QWidget::font();
    f.setPointSizeF(pt * scale);
    f.setBold(bold);
    return f;
  };
  header_->setFont(sized(15));
  dots_->setFont(sized(13));
  for (QLabel* t : texts_) t->setFont(sized(11.5));
  for (QLabel* n : notes_) n->setFont(sized(10.5));
  formula_box_->setFont(sized(14));
  QFont mono = code_box_->font();
  mono.setPointSizeF(10 * scale);
  code_box_->setFont(mono);
  summary_table_->setFont(sized(10.5));
  live_status_->setFont(sized(10));
  for (QPushButton* b : {back_button_, next_button_, restart_button_, presenter_button_, live_start_button_,
                         live_stop_button_})
    b->setFont(sized(10.5));
  diagram_->set_font_scale(scale);
  for (Chart* c : charts_) set_chart_fonts(c, scale);
}

void TourPanel::hideEvent(QHideEvent* event) {
  // Leaving the tour (another tab, the window closed) stops the live training. Spontaneous
  // hides (the window minimised) do not.
  if (!event->spontaneous()) stop_live_training();
  QWidget::hideEvent(event);
}

void TourPanel::clear_figures() {
  for (auto* m : {&init_graphs_, &trained_graphs_, &untrained_graphs_, &stream_graphs_, &live_loss_graphs_,
                  &live_variance_graphs_})
    for (auto& [s, g] : *m) g->data()->clear();
  for (auto& [s, b] : removal_bars_) b->data()->clear();
  removal_baseline_.clear();
  removal_delta_.clear();
  for (QLabel* n : notes_) n->clear();
  stream_chart_->set_message("Loading the example models…");
  trained_chart_->set_message("Loading the example models…");
  removal_chart_->set_message("Loading the example models…");
  init_chart_->set_message(QString());
  live_loss_chart_->set_message("Press Start training.");
  live_variance_chart_->set_message("Press Start training.");
  live_start_button_->setText("Start training");
  set_live_status("Press Start: nothing runs until you do.");
  for (Chart* c : charts_) c->replot(QCustomPlot::rpQueuedReplot);
}

void TourPanel::set_step_error(int step, const QString& message) {
  errors_[step] = message;
  if (step == 1) stream_chart_->set_message(message);
  if (step == 2) init_chart_->set_message("Could not compute the curves:\n" + message);
  if (step == 4) trained_chart_->set_message(message);
  if (step == 5) removal_chart_->set_message(message);
  emit log(QString("Tour step %1: %2").arg(step).arg(message));
  emit step_finished(step);
}

void TourPanel::finish_step(int step) {
  done_[step] = true;
  emit step_finished(step);
}

void TourPanel::start_step_work(int step) {
  if (started_[step]) return;
  switch (step) {
    case 1:
    case 4:
      if (!started_[1] && !started_[4]) start_examples();
      started_[1] = started_[4] = true;
      break;
    case 2:
      started_[2] = true;
      start_init();
      break;
    case 5:
      started_[5] = true;
      start_removal();
      break;
    default:
      started_[step] = true;
      finish_step(step);  // 3, 7: static figures; 6: waits for Start
      break;
  }
}

// --- step 2: variance at initialisation --------------------------------------------------
void TourPanel::start_init() {
  for (auto& [s, g] : init_graphs_) g->data()->clear();
  init_chart_->set_message(QString());
  notes_[1]->setText("Computing…");
  TourPanel* self = this;
  init_runner_->start([self](const TaskContext& ctx) {
    const double n = 2.0;
    int i = 0;
    for (NormScheme scheme : kSchemes) {
      VarianceAtInitRequest r;
      r.layers = kInitLayers;
      r.width = kInitWidth;
      r.scheme = scheme;
      const RunControl control = ctx.phase(i / n, (i + 1) / n, to_string(scheme));
      variance_at_init(r, control, [&](const LayerVariance& lv) {
        ctx.deliver([self, scheme, l = static_cast<double>(lv.layer), v = lv.output_variance] {
          self->init_graphs_.at(scheme)->addData(l, v);
        });
      });
      ++i;
    }
    ctx.deliver([self] {
      const QCPGraph* pre = self->init_graph(NormScheme::pre);
      const QCPGraph* lns = self->init_graph(NormScheme::lns);
      if (pre->data()->isEmpty() || lns->data()->isEmpty()) return;
      self->notes_[1]->setText(
          QString("%1 variance after layer %2: <b>%3</b> (×%4 from layer 1) &nbsp;&nbsp; %5: <b>%6</b> (×%7)")
              .arg(scheme_html(NormScheme::pre)).arg(kInitLayers)
              .arg((pre->data()->constEnd() - 1)->value, 0, 'g', 3).arg(last_over_first(pre), 0, 'f', 1)
              .arg(scheme_html(NormScheme::lns))
              .arg((lns->data()->constEnd() - 1)->value, 0, 'g', 3).arg(last_over_first(lns), 0, 'f', 1));
    });
  });
}

// --- steps 1 and 4: the example models ---------------------------------------------------
void TourPanel::start_examples() {
  std::map<NormScheme, std::string> paths;
  QStringList missing;
  for (NormScheme s : kSchemes) {
    const QString p = example_path(QString::fromStdString(to_string(s)));
    if (p.isEmpty()) missing << scheme_label(s);
    else paths[s] = p.toStdString();
  }
  if (!missing.isEmpty()) {
    const QString m = QString("The example models were not found (%1).\nLooked in: %2")
                          .arg(missing.join(", "), example_search_dirs().join(", "));
    set_step_error(1, m);
    set_step_error(4, m);
    return;
  }
  stream_chart_->set_message(QString());
  trained_chart_->set_message(QString());
  notes_[3]->setText("Measuring the example models…");
  TourPanel* self = this;
  examples_runner_->start([self, paths](const TaskContext& ctx) {
    int i = 0;
    for (NormScheme scheme : kSchemes) {
      const double base = i * 0.5;
      auto session = ModelSession::open(paths.at(scheme), ctx.phase(base, base + 0.1, "open"));
      EvalSetOptions eo;
      eo.max_tokens = kStatsTokens;
      eo.n_ctx = kEvalContext;
      const EvalSet set = session->evaluation_set("", eo);
      LayerStatsOptions so;
      so.n_ctx = set.windows.n_ctx;
      so.logit_lens = false;
      so.angular = false;
      layer_statistics(session->model(), set.tokens, so, ctx.phase(base + 0.1, base + 0.35, "statistics"),
                       [&](const LayerStats& st) {
                         ctx.deliver([self, scheme, l = double(st.layer), v = st.output_variance,
                                      u = st.attn_update_ratio + st.mlp_update_ratio] {
                           self->trained_graphs_.at(scheme)->addData(l, v);
                           self->stream_graphs_.at(scheme)->addData(l, u);
                         });
                       });
      // The same shape and scheme, freshly initialised with the spec's seed.
      auto fresh = ModelSession::random(session->config(), 1);
      layer_statistics(fresh->model(), set.tokens, so, ctx.phase(base + 0.35, base + 0.5, "at init"),
                       [&](const LayerStats& st) {
                         ctx.deliver([self, scheme, l = double(st.layer), v = st.output_variance] {
                           self->untrained_graphs_.at(scheme)->addData(l, v);
                         });
                       });
      ++i;
    }
  });
}

void TourPanel::update_trained_summary() {
  const QCPGraph* pre = trained_graph(NormScheme::pre);
  const QCPGraph* lns = trained_graph(NormScheme::lns);
  const double rp = last_over_first(pre), rl = last_over_first(lns);
  if (std::isfinite(rp) && std::isfinite(rl) && pre->data()->size() == lns->data()->size()) {
    notes_[3]->setText(QString("Last/first-layer variance ratio: %1 <b>%2</b> &nbsp;&nbsp; %3 <b>%4</b>. "
                               "With LNS the stream grows %5 from the first layer to the last.")
                           .arg(scheme_html(NormScheme::pre)).arg(rp, 0, 'f', 2)
                           .arg(scheme_html(NormScheme::lns)).arg(rl, 0, 'f', 2)
                           .arg(rl < rp ? "less" : "no less"));
  }
  const QCPGraph* sp = stream_graphs_.at(NormScheme::pre);
  const QCPGraph* sl = stream_graphs_.at(NormScheme::lns);
  if (sp->data()->size() >= 2 && sl->data()->size() == sp->data()->size()) {
    notes_[0]->setText(QString("Update size at layer 1 → layer %1: %2 %3 → %4 &nbsp;&nbsp; %5 %6 → %7")
                           .arg(static_cast<int>((sp->data()->constEnd() - 1)->key))
                           .arg(scheme_html(NormScheme::pre))
                           .arg(sp->data()->constBegin()->value, 0, 'f', 2)
                           .arg((sp->data()->constEnd() - 1)->value, 0, 'f', 2)
                           .arg(scheme_html(NormScheme::lns))
                           .arg(sl->data()->constBegin()->value, 0, 'f', 2)
                           .arg((sl->data()->constEnd() - 1)->value, 0, 'f', 2));
  }
}

// --- step 5: removal sweeps ------------------------------------------------------------
void TourPanel::start_removal() {
  std::map<NormScheme, std::string> paths;
  for (NormScheme s : kSchemes) {
    const QString p = example_path(QString::fromStdString(to_string(s)));
    if (p.isEmpty()) {
      set_step_error(5, QString("The example models were not found.\nLooked in: %1")
                            .arg(example_search_dirs().join(", ")));
      return;
    }
    paths[s] = p.toStdString();
  }
  removal_chart_->set_message(QString());
  notes_[4]->setText("Sweeping…");
  TourPanel* self = this;
  removal_runner_->start([self, paths](const TaskContext& ctx) {
    int i = 0;
    for (NormScheme scheme : kSchemes) {
      const double base = i * 0.5;
      auto session = ModelSession::open(paths.at(scheme), ctx.phase(base, base + 0.05, "open"));
      EvalSetOptions eo;
      eo.max_tokens = kRemovalTokens;
      eo.n_ctx = kEvalContext;
      const EvalSet set = session->evaluation_set("", eo);
      RemovalOptions ro;
      ro.windows = set.windows;
      const LayerRemovalSweep sweep = layer_removal_sweep(
          session->model(), set.tokens, ro, ctx.phase(base + 0.05, base + 0.5, "removal sweep"),
          [&](const LayerRemovalEntry& e) {
            ctx.deliver([self, scheme, l = double(e.layer), d = e.delta_ppl] {
              self->removal_bars_.at(scheme)->addData(l, std::max(d, 1e-3));  // log axis
              self->removal_delta_[scheme][static_cast<int>(l)] = d;
            });
          });
      ctx.deliver([self, scheme, b = sweep.baseline.ppl] { self->removal_baseline_[scheme] = b; });
      ++i;
    }
  });
}

void TourPanel::update_removal_summary() {
  QStringList parts;
  for (NormScheme s : kSchemes) {
    const QCPBars* b = removal_bars_.at(s);
    auto base = removal_baseline_.find(s);
    if (b->data()->isEmpty() || base == removal_baseline_.end()) continue;
    // Layers whose removal costs under 5% of the full model's perplexity.
    int cheap = 0, n = 0;
    double worst = 0;
    int worst_layer = 0;
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) {
      ++n;
      if (it->value < 0.05 * base->second) ++cheap;
      if (it->value > worst) {
        worst = it->value;
        worst_layer = static_cast<int>(it->key);
      }
    }
    // The cost of the first and the second half of the layers, from the unclamped ΔPPL; layer 1
    // is left out so that one layer does not decide both sums.
    double early = 0, late = 0;
    for (const auto& [l, d] : removal_delta_[s]) {
      if (l == 1) continue;
      (2 * l <= n ? early : late) += d;
    }
    parts << QString("%1 PPL %2: %3 of %4 layers cost under 5%; the most costly is layer %5 (+%6); "
                     "layers 2–%7 together +%8, layers %9–%4 together +%10")
                 .arg(scheme_html(s)).arg(base->second, 0, 'f', 2).arg(cheap).arg(n).arg(worst_layer)
                 .arg(worst, 0, 'f', 1).arg(n / 2).arg(early, 0, 'f', 2).arg(n / 2 + 1).arg(late, 0, 'f', 2);
  }
  if (!parts.isEmpty()) notes_[4]->setText(parts.join("<br>"));
}

// --- step 6: live training -------------------------------------------------------------
void TourPanel::set_live_status(const QString& text) { live_status_->setText(text); }

void TourPanel::start_live_training() {
  if (live_) return;
  if (!QFileInfo(cli_path_).isExecutable()) {
    const QString m = QString("depthscope-cli was not found at %1").arg(cli_path_);
    set_live_status(m);
    set_step_error(6, m);
    return;
  }
  auto dir = std::make_unique<QTemporaryDir>(QDir::temp().filePath("depthscope-tour-XXXXXX"));
  if (!dir->isValid()) {
    set_live_status("Could not create a temporary folder: " + dir->errorString());
    return;
  }
  const std::string spec_path = dir->filePath("tour-pair.json").toStdString();
  {
    std::ofstream out(spec_path);
    out << live_spec_json(live_steps_);
  }
  live_db_ = dir->filePath("runs.sqlite");
  const std::string db = live_db_.toStdString();
  const std::string cli = cli_path_.toStdString();
  live_dirs_.push_back(std::move(dir));
  for (auto& [s, g] : live_loss_graphs_) g->data()->clear();
  for (auto& [s, g] : live_variance_graphs_) g->data()->clear();
  live_runs_.clear();
  live_variance_step_.clear();
  live_loss_chart_->set_message(QString());
  live_variance_chart_->set_message(QString());
  live_ = true;
  done_[6] = false;
  errors_.erase(6);
  live_start_button_->setEnabled(false);
  live_stop_button_->setEnabled(true);
  set_live_status("Starting two training processes…");
  emit log("Tour: live training in " + live_db_);

  TourPanel* self = this;
  live_runner_->start([self, spec_path, db, cli](const TaskContext& ctx) {
    jobs::JobOptions o;
    o.db_path = db;
    o.cli_path = cli;
    o.parallel = 2;  // both schemes at once, one thread each
    o.threads = 1;
    jobs::JobManager jm(o);
    const jobs::QueuedExperiment q = jm.queue_spec(spec_path);
    std::map<int, NormScheme> runs;
    for (std::size_t i = 0; i < q.runs.size() && i < 2; ++i) runs[static_cast<int>(q.runs[i])] = kSchemes[i];
    ctx.deliver([self, runs] { self->live_runs_ = runs; });
    jm.ensure_worker();
    const auto stop_all = [&] {
      for (const auto& [run, scheme] : runs) {
        try {
          jm.stop(run);
        } catch (const std::exception&) {  // already ended
        }
      }
    };
    store::RunDb rdb(db);
    std::int64_t metric_cursor = 0, layer_cursor = 0;
    for (;;) {
      if (ctx.cancelled()) {
        // Stop, then wait until each process has written its last checkpoint and marked its
        // run stopped, so the temporary folder is not removed under a process still writing.
        stop_all();
        for (const auto& [run, scheme] : runs) {
          try {
            jm.wait(run, std::chrono::seconds(15), std::chrono::milliseconds(100));
          } catch (const std::exception&) {
          }
        }
        throw Cancelled();
      }
      auto m = store::metrics_since(rdb, std::nullopt, metric_cursor);
      metric_cursor = m.cursor;
      std::map<int, std::vector<std::pair<double, double>>> loss;
      std::map<int, double> val;
      for (const auto& row : m.rows) {
        if (row.key == "train/loss") loss[static_cast<int>(row.run_id)].emplace_back(row.step, row.value);
        if (row.key == "val/ppl") val[static_cast<int>(row.run_id)] = row.value;
      }
      auto lm = store::layer_metrics_since(rdb, std::nullopt, layer_cursor);
      layer_cursor = lm.cursor;
      std::vector<store::LayerMetricRow> variance;
      for (auto& row : lm.rows)
        if (row.key == "residual_variance") variance.push_back(row);
      const auto list = rdb.list_runs();
      QStringList status;
      bool all_done = !list.empty();
      for (const auto& r : list) {
        auto it = runs.find(static_cast<int>(r.id));
        if (it == runs.end()) continue;
        if (!store::is_terminal(r.status)) all_done = false;
        status << QString("%1 %2 %3/%4")
                      .arg(scheme_label(it->second))
                      .arg(QString::fromStdString(std::string(store::to_string(r.status))))
                      .arg(r.step).arg(r.steps);
        if (r.status == store::RunStatus::failed || r.status == store::RunStatus::diverged)
          status.back() += ": " + QString::fromStdString(r.error);
      }
      ctx.deliver([self, loss, val, variance, status] {
        for (const auto& [run, points] : loss) self->add_live_rows(run, "train/loss", points);
        for (const auto& row : variance) {
          auto it = self->live_runs_.find(static_cast<int>(row.run_id));
          if (it == self->live_runs_.end()) continue;
          QCPGraph* g = self->live_variance_graphs_.at(it->second);
          int& shown = self->live_variance_step_[static_cast<int>(row.run_id)];
          if (row.step > shown) {
            g->data()->clear();
            shown = static_cast<int>(row.step);
          }
          if (row.step == shown) g->addData(row.layer, row.value);
        }
        QString text = status.join(" · ");
        for (const auto& [run, ppl] : val) {
          auto it = self->live_runs_.find(run);
          if (it != self->live_runs_.end())
            self->live_loss_chart_->setProperty(("val_" + to_string(it->second)).c_str(), ppl);
        }
        QStringList ppl;
        for (NormScheme s : kSchemes) {
          const QVariant v = self->live_loss_chart_->property(("val_" + to_string(s)).c_str());
          if (v.isValid()) ppl << QString("%1 %2").arg(scheme_label(s)).arg(v.toDouble(), 0, 'f', 2);
        }
        if (!ppl.isEmpty()) text += " &nbsp;|&nbsp; validation PPL: " + ppl.join(", ");
        if (!text.isEmpty()) self->set_live_status(text);
      });
      if (all_done) return;
      for (int i = 0; i < 6 && !ctx.cancelled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void TourPanel::add_live_rows(int run, const QString&, const std::vector<std::pair<double, double>>& points) {
  auto it = live_runs_.find(run);
  if (it == live_runs_.end()) return;
  QCPGraph* g = live_loss_graphs_.at(it->second);
  for (const auto& [step, value] : points) g->addData(step, value);
}

void TourPanel::stop_live_training() {
  if (!live_) return;
  live_runner_->cancel();  // the task stops the jobs (SIGTERM) on its thread, then ends
  set_live_status("Stopping…");
}

}  // namespace depthscope::ui
