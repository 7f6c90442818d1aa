#include "ui/tour/tour_panel.h"

#include <algorithm>
#include <functional>

#include <QApplication>
#include <QHBoxLayout>
#include <QHideEvent>
#include <QShowEvent>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "ui/shared/palette.h"
#include "ui/tour/example_statistics.h"
#include "ui/tour/steps/layer_removal_step.h"
#include "ui/tour/steps/live_training_step.h"
#include "ui/tour/steps/residual_stream_step.h"
#include "ui/tour/steps/tour_steps.h"
#include "ui/tour/steps/trained_variance_step.h"
#include "ui/tour/steps/variance_at_init_step.h"

namespace depthscope::ui {

TourPanel::TourPanel(QWidget* parent) : QWidget(parent), examples_(new ExampleStatistics(this)) {
  setObjectName("tour_panel");
  steps_ = make_tour_steps(examples_);

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
  for (int i = 0; i < step_count(); ++i) stack_->addWidget(make_page(i + 1, steps_[i].get()));

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
  // The keys belong to the tour while it is shown and has the focus (it takes the focus when
  // shown), never behind an open menu.
  setFocusPolicy(Qt::StrongFocus);
  const auto shortcut = [this](Qt::Key key, std::function<void()> action) {
    auto* s = new QShortcut(QKeySequence(key), this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, [action] {
      if (!QApplication::activePopupWidget()) action();
    });
  };
  shortcut(Qt::Key_Right, [this] { next(); });
  shortcut(Qt::Key_PageDown, [this] { next(); });
  shortcut(Qt::Key_Left, [this] { back(); });
  shortcut(Qt::Key_PageUp, [this] { back(); });
  shortcut(Qt::Key_Home, [this] { restart(); });
  shortcut(Qt::Key_F5, [this] { set_presenter_mode(!presenter_); });
  shortcut(Qt::Key_Escape, [this] { set_presenter_mode(false); });

  apply_fonts();
  go_to(1);
}

TourPanel::~TourPanel() {
  // The steps stop their work when deleted (the live step waits for its training processes
  // before its temporary folder goes); the pages they drew into go after them.
  examples_->cancel();
  steps_.clear();
}

QWidget* TourPanel::make_page(int step, TourStep* s) {
  auto* page = new QWidget;
  auto* text_label = new QLabel(s->text());
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
  layout->addWidget(s->make_figure(), 1);
  layout->addWidget(note);

  connect(s, &TourStep::summary_changed, note, &QLabel::setText);
  connect(s, &TourStep::log, this, &TourPanel::log);
  connect(s, &TourStep::finished, this, [this, step] {
    done_[step] = true;
    emit step_finished(step);
  });
  connect(s, &TourStep::failed, this, [this, step](const QString& message) {
    errors_[step] = message;
    emit log(QString("Tour step %1: %2").arg(step).arg(message));
    emit step_finished(step);
  });
  return page;
}

TourStep* TourPanel::step_at(int step) const {
  return step >= 1 && step <= step_count() ? steps_[step - 1].get() : nullptr;
}


bool TourPanel::step_done(int step) const {
  auto it = done_.find(step);
  return it != done_.end() && it->second;
}

QString TourPanel::step_error(int step) const {
  auto it = errors_.find(step);
  return it == errors_.end() ? QString() : it->second;
}

// --- navigation -------------------------------------------------------------------------
void TourPanel::go_to(int step) {
  step = std::clamp(step, 1, step_count());
  const bool changed = step != step_;
  step_ = step;
  stack_->setCurrentIndex(step - 1);
  update_nav();
  if (!started_[step]) {
    started_[step] = true;
    steps_[step - 1]->start();
  }
  if (changed) emit step_changed(step);
}

void TourPanel::next() { go_to(step_ + 1); }
void TourPanel::back() { go_to(step_ - 1); }

void TourPanel::restart() {
  for (const auto& s : steps_) s->stop();
  examples_->reset();
  started_.clear();
  done_.clear();
  errors_.clear();
  for (const auto& s : steps_) s->clear();
  for (QLabel* n : notes_) n->clear();
  const bool changed = step_ != 1;
  step_ = 0;  // so go_to(1) starts the step's work again
  go_to(1);
  if (!changed) emit step_changed(1);
  emit log("Tour: restarted");
}

void TourPanel::update_nav() {
  header_->setText(QString("<span style='color:%1'>Step %2 of %3</span>&nbsp;&nbsp;<b>%4</b>")
                       .arg(hint_text_color().name()).arg(step_).arg(step_count()).arg(step_at(step_)->title().toHtmlEscaped()));
  QString dots;
  for (int i = 1; i <= step_count(); ++i)
    dots += QString("<span style='color:%1'>%2</span> ")
                .arg(i == step_ ? scheme_color(NormScheme::pre).name() : QString("#C8CDD3"))
                .arg(QString::fromUtf8(i == step_ ? "\u25CF" : "\u25CB"));
  dots_->setText(dots);
  back_button_->setEnabled(step_ > 1);
  next_button_->setEnabled(step_ < step_count());
  // Disabling the focused button (Next at the last step) hands the focus to the next widget in
  // the window -- the Workspace tree, where Left would collapse a folder: keep it here.
  if (isVisible() && !isAncestorOf(QApplication::focusWidget())) setFocus();
}

void TourPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  // Shown (Ctrl+4, a click on the tab): the arrows turn pages at once, not after a click.
  if (!isAncestorOf(QApplication::focusWidget())) setFocus();
}

void TourPanel::set_presenter_mode(bool on) {
  if (presenter_ == on) return;
  presenter_ = on;
  if (presenter_button_->isChecked() != on) presenter_button_->setChecked(on);
  apply_fonts();
  emit presenter_mode_changed(on);
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
  for (QPushButton* b : {back_button_, next_button_, restart_button_, presenter_button_}) b->setFont(sized(10.5));
  for (const auto& s : steps_) s->set_scale(scale);
}

void TourPanel::hideEvent(QHideEvent* event) {
  // Leaving the tour (another tab, the window closed) stops the live training. Spontaneous
  // hides (the window minimised) do not.
  if (!event->spontaneous())
    for (const auto& s : steps_) s->stop();
  QWidget::hideEvent(event);
}

}  // namespace depthscope::ui
