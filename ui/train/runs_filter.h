#pragma once
// RunsFilter: a view's choice of rows from the RunsModel -- the runs of one experiment, and/or
// only the runs that have not ended. Newest first, as every run list shows them.
#include <cstdint>

#include <QSortFilterProxyModel>

namespace depthscope::ui {

class RunsModel;

class RunsFilter : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit RunsFilter(RunsModel* runs, QObject* parent = nullptr);

  void set_experiment(std::int64_t experiment);  // 0: every experiment
  void set_hide_ended(bool hide);
  bool hides_ended() const { return hide_ended_; }
  // The run shown in row `row` of this filter.
  std::int64_t run_at(int row) const;

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  RunsModel* runs_;
  std::int64_t experiment_ = 0;
  bool hide_ended_ = false;
};

}  // namespace depthscope::ui
