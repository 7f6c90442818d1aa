#pragma once
// The Compare tab's left column: what can be compared (CompareList), Add / Remove checkpoint,
// Refresh runs, the evaluation tokens of checkpoints added later, the log-axis box, the
// multiple-choice set and the removal metric, the two export buttons and the status line.
// It holds widgets only: what a button does is the panel's, told through the signals.
#include <QString>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace depthscope::ui {

class CompareList;

class CompareControls : public QWidget {
  Q_OBJECT
 public:
  explicit CompareControls(int eval_tokens, QWidget* parent = nullptr);

  CompareList* list() const { return list_; }
  // Enables Refresh runs (a database is open) and the export buttons (something is shown).
  void set_database_open(bool open);
  void set_something_shown(bool shown);
  void set_status(const QString& text);
  QString status() const;
  void set_tokens(int tokens);
  // The button names the multiple-choice set ("Choices…" when there is none).
  void set_choices_name(const QString& path);
  // 0 ΔPPL, 1 Δacc, 2 Δacc_norm (RemovalBars::Metric).
  void set_removal_metric(int metric);

 signals:
  void add_clicked();
  void remove_clicked();
  void refresh_clicked();
  void tokens_changed(int tokens);
  void log_y_toggled(bool on);
  void choices_chosen(const QString& path);
  void removal_metric_changed(int metric);
  void export_clicked();
  void csv_clicked();

 private:
  CompareList* list_;
  QPushButton* remove_button_;
  QPushButton* refresh_button_;
  QPushButton* export_button_;
  QPushButton* csv_button_;
  QPushButton* choices_button_;
  QComboBox* removal_metric_box_;
  QSpinBox* tokens_box_;
  QLabel* status_label_;
};

}  // namespace depthscope::ui
