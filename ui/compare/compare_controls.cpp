#include "ui/compare/compare_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ui/compare/compare_list.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {

namespace {

QPushButton* button(const QString& text, const QString& name, const QString& tip) {
  auto* b = new QPushButton(text);
  b->setObjectName(name);
  b->setToolTip(tip);
  return b;
}

}  // namespace

CompareControls::CompareControls(int eval_tokens, QWidget* parent) : QWidget(parent) {
  const QString hint = QString("color: %1").arg(hint_text_color().name());
  auto* heading = new QLabel("<b>Compare</b>");
  auto* help = new QLabel("Tick runs of the workspace's run database, or drop checkpoint folders or "
                          "files anywhere on this tab.");
  help->setWordWrap(true);
  help->setStyleSheet(hint);
  list_ = new CompareList;
  auto* add_button = button("Add checkpoint…", "add_checkpoint",
                            "Add a checkpoint (Hugging Face folder, .safetensors, .gguf or llama2.c .bin); its variance by "
                            "depth, angular distances and removal impact are computed in the background");
  remove_button_ = button("Remove", "remove_checkpoint",
                          "Remove the selected checkpoint from the comparison (runs are only unticked)");
  refresh_button_ = button("Refresh runs", "refresh_runs",
                           "Read the run database again: new runs, and the latest rows of the ticked ones");
  tokens_box_ = new QSpinBox;
  tokens_box_->setRange(64, 1 << 20);
  tokens_box_->setSingleStep(1024);
  tokens_box_->setValue(eval_tokens);
  tokens_box_->setToolTip("Evaluation tokens for checkpoints added from now on (from the Debian corpus "
                          "fortunes-min, as in the Inspect tab and the CLI)");
  auto* log_box = new QCheckBox("Log variance axes");
  log_box->setChecked(true);
  log_box->setToolTip("Logarithmic y axis on every variance-by-depth chart");
  choices_button_ = button("Choices…", "compare_choices",
                           "A multiple-choice set (JSONL: lm-eval, DepthScope, ARC, HellaSwag, PIQA or MMLU rows) "
                           "scored with each layer removed for checkpoints added from now on, as "
                           "lm-evaluation-harness scores it");
  removal_metric_box_ = new QComboBox;
  removal_metric_box_->setObjectName("compare_removal_metric");
  removal_metric_box_->addItems({"ΔPPL", "Δacc", "Δacc_norm"});
  removal_metric_box_->setToolTip("What the checkpoints' removal charts show per removed layer: the perplexity "
                                  "change, or the change of acc / acc_norm on the multiple-choice set (±1 stderr)");
  export_button_ = button("Export comparison…", "export_comparison",
                          "Write every chart shown and the difference table as one PNG, SVG or PDF");
  csv_button_ = button("Export table as CSV…", "export_table",
                       "Write the difference table as CSV (one row per compared run or checkpoint)");
  status_label_ = new QLabel;
  status_label_->setWordWrap(true);
  status_label_->setStyleSheet(hint);
  status_label_->setToolTip("What the tab is reading or computing");

  auto* left = new QVBoxLayout(this);
  left->addWidget(heading);
  left->addWidget(help);
  left->addWidget(list_, 1);
  auto* row1 = new QHBoxLayout;
  row1->addWidget(add_button);
  row1->addWidget(remove_button_);
  left->addLayout(row1);
  left->addWidget(refresh_button_);
  auto* row2 = new QHBoxLayout;
  auto* tokens_label = new QLabel("Eval tokens");
  tokens_label->setToolTip(tokens_box_->toolTip());
  row2->addWidget(tokens_label);
  row2->addWidget(tokens_box_, 1);
  left->addLayout(row2);
  left->addWidget(log_box);
  auto* row3 = new QHBoxLayout;
  row3->addWidget(choices_button_, 1);
  row3->addWidget(removal_metric_box_);
  left->addLayout(row3);
  left->addSpacing(6);
  left->addWidget(export_button_);
  left->addWidget(csv_button_);
  left->addWidget(status_label_);
  setMaximumWidth(340);
  remove_button_->setEnabled(false);
  refresh_button_->setEnabled(false);

  connect(list_, &QListWidget::currentItemChanged, this, [this] { remove_button_->setEnabled(list_->current_checkpoint()); });
  connect(add_button, &QPushButton::clicked, this, &CompareControls::add_clicked);
  connect(remove_button_, &QPushButton::clicked, this, &CompareControls::remove_clicked);
  connect(refresh_button_, &QPushButton::clicked, this, &CompareControls::refresh_clicked);
  connect(tokens_box_, qOverload<int>(&QSpinBox::valueChanged), this, &CompareControls::tokens_changed);
  connect(log_box, &QCheckBox::toggled, this, &CompareControls::log_y_toggled);
  connect(choices_button_, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Multiple-choice set", QString(), "JSON lines (*.jsonl *.json);;All files (*)");
    if (!f.isEmpty()) emit choices_chosen(f);
  });
  connect(removal_metric_box_, qOverload<int>(&QComboBox::currentIndexChanged), this, &CompareControls::removal_metric_changed);
  connect(export_button_, &QPushButton::clicked, this, &CompareControls::export_clicked);
  connect(csv_button_, &QPushButton::clicked, this, &CompareControls::csv_clicked);
}

void CompareControls::set_database_open(bool open) { refresh_button_->setEnabled(open); }

void CompareControls::set_something_shown(bool shown) {
  export_button_->setEnabled(shown);
  csv_button_->setEnabled(shown);
}

void CompareControls::set_status(const QString& text) { status_label_->setText(text); }
QString CompareControls::status() const { return status_label_->text(); }
void CompareControls::set_tokens(int tokens) { tokens_box_->setValue(tokens); }

void CompareControls::set_choices_name(const QString& path) {
  choices_button_->setText(path.isEmpty() ? QString("Choices…") : QFileInfo(path).fileName());
}

void CompareControls::set_removal_metric(int metric) { removal_metric_box_->setCurrentIndex(metric); }

}  // namespace depthscope::ui
