// RunsModel (ui/train/runs_model.h): the one list of runs behind the Jobs dock, the
// workspace's Runs, the Train tab and Compare; RunsFilter on top; selection shared by views.
#include <QSignalSpy>
#include <QTableWidget>
#include <QToolButton>
#include <QTreeWidget>
#include <QtTest>

#include "tests/ui/ui_test_support.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shell/app.h"
#include "ui/train/run_watcher.h"
#include "ui/train/runs_filter.h"
#include "ui/train/runs_model.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

RunJob job(std::int64_t id, store::RunStatus status, std::int64_t step, std::int64_t experiment = 1) {
  RunJob j;
  j.run.id = id;
  j.run.name = "run" + std::to_string(id);
  j.run.status = status;
  j.run.step = step;
  j.run.steps = 60;
  j.run.experiment_id = experiment;
  return j;
}

WatchBatch batch(std::vector<RunJob> runs) {
  WatchBatch b;
  b.runs = std::move(runs);
  store::Experiment e1, e2;
  e1.id = 1;
  e1.name = "depth";
  e2.id = 2;
  e2.name = "width";
  b.experiments = {e1, e2};
  return b;
}

}  // namespace

class TestRunsModel : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void one_batch_is_one_change_and_rows_follow() {
    RunsModel model;
    model.set_database("/tmp/a.sqlite");
    QSignalSpy changed(&model, &RunsModel::runs_changed);
    QSignalSpy applied(&model, &RunsModel::batch_applied);
    QSignalSpy data(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.apply(batch({job(1, store::RunStatus::running, 3), job(2, store::RunStatus::queued, 0)}));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.data(model.index(0, RunsModel::kStep)).toString(), QString("3/60"));
    // The same batch again: nothing a view shows changed, so no runs_changed (but batch_applied).
    model.apply(batch({job(1, store::RunStatus::running, 3), job(2, store::RunStatus::queued, 0)}));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(applied.count(), 2);
    QVERIFY(!model.last_apply_changed());
    // A step moves: one row changes in place (no reset).
    model.apply(batch({job(1, store::RunStatus::running, 17), job(2, store::RunStatus::queued, 0)}));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(data.count(), 1);
    QCOMPARE(data.last().at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(model.find(1)->run.step, std::int64_t(17));
    QCOMPARE(model.row_of(2), 1);
    QCOMPARE(model.row_of(9), -1);
    QVERIFY(model.find(9) == nullptr);
  }

  void another_database_forgets_runs_and_selection() {
    RunsModel model;
    model.set_database("/tmp/a.sqlite");
    model.apply(batch({job(1, store::RunStatus::running, 3)}));
    model.select(1);
    QSignalSpy selected(&model, &RunsModel::run_selected);
    model.set_database("/tmp/b.sqlite");
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.selected(), std::int64_t(0));
    QCOMPARE(model.database(), QString("/tmp/b.sqlite"));
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.last().at(0).toLongLong(), qint64(0));
  }

  void filter_keeps_one_experiment_and_hides_ended_newest_first() {
    RunsModel model;
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::running, 5),
                       job(3, store::RunStatus::failed, 9, 2), job(4, store::RunStatus::queued, 0)}));
    RunsFilter filter(&model);
    QCOMPARE(filter.rowCount(), 4);
    QCOMPARE(filter.run_at(0), std::int64_t(4));  // newest first
    QCOMPARE(filter.run_at(3), std::int64_t(1));
    filter.set_hide_ended(true);
    QCOMPARE(filter.rowCount(), 2);
    QCOMPARE(filter.run_at(0), std::int64_t(4));
    QCOMPARE(filter.run_at(1), std::int64_t(2));
    filter.set_hide_ended(false);
    filter.set_experiment(2);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.run_at(0), std::int64_t(3));
    // The filter follows the model: run 4 of experiment 1 finishes, run 5 of experiment 2 comes.
    filter.set_experiment(0);
    filter.set_hide_ended(true);
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::running, 6),
                       job(3, store::RunStatus::failed, 9, 2), job(4, store::RunStatus::finished, 60),
                       job(5, store::RunStatus::running, 1, 2)}));
    QCOMPARE(filter.rowCount(), 2);
    QCOMPARE(filter.run_at(0), std::int64_t(5));
    QCOMPARE(filter.run_at(1), std::int64_t(2));
  }

  void selecting_a_run_in_one_view_selects_it_in_the_others() {
    RunsModel model;
    JobList jobs;
    JobsPanel dock(&jobs, &model);
    WorkspaceBrowser workspace;
    workspace.follow(&model);
    QSignalSpy activated(&model, &RunsModel::run_activated);
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::running, 5)}));
    // Both views list both runs, from the one model.
    QCOMPARE(dock.row_of_run(2), 0);
    QCOMPARE(dock.row_of_run(1), 1);
    QVERIFY(workspace.run_item(1) != nullptr && workspace.run_item(2) != nullptr);
    QCOMPARE(dock.cell_text(dock.row_of_run(2), JobsPanel::kProgress), QString("5/60  8%"));

    // The Jobs dock selects run 1: the model and the workspace follow.
    dock.table()->selectRow(dock.row_of_run(1));
    QCOMPARE(model.selected(), std::int64_t(1));
    QCOMPARE(workspace.tree()->currentItem(), workspace.run_item(1));
    QCOMPARE(activated.count(), 0);  // selecting is not showing
    // The model selects run 2 (as Compare's list does): the dock and the workspace follow.
    model.select(2);
    QCOMPARE(dock.selected_run().value_or(0), std::int64_t(2));
    QCOMPARE(workspace.tree()->currentItem(), workspace.run_item(2));
    // A click in the workspace activates the run (the Train tab comes forward).
    emit workspace.run_selected(1);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(model.selected(), std::int64_t(1));
    QCOMPARE(dock.selected_run().value_or(0), std::int64_t(1));
    // A new batch keeps the selection in every view.
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::running, 6)}));
    QCOMPARE(dock.selected_run().value_or(0), std::int64_t(1));
    QCOMPARE(workspace.tree()->currentItem(), workspace.run_item(1));
  }

  void jobs_dock_hides_ended_rows() {
    RunsModel model;
    JobList jobs;
    JobsPanel dock(&jobs, &model);
    const int analysis = jobs.start("Inspect: example", {});
    jobs.end(analysis, "finished");
    const int live = jobs.start("Depth at a glance", [] {});
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::running, 5),
                       job(3, store::RunStatus::stopped, 9)}));
    QCOMPARE(dock.table()->rowCount(), 5);
    dock.set_hide_ended(true);
    auto* button = dock.findChild<QToolButton*>("jobs_hide_ended");
    QVERIFY(button && button->isChecked());
    QCOMPARE(dock.table()->rowCount(), 2);  // run 2 and the live analysis
    QCOMPARE(dock.row_of_run(2), 0);
    QCOMPARE(dock.row_of_run(1), -1);
    QVERIFY(jobs.find(analysis) == nullptr);  // an ended analysis is cleared, not just hidden
    QVERIFY(jobs.find(live) != nullptr);
    // Run 2 ends: it leaves the dock; showing ended rows brings the runs back.
    model.apply(batch({job(1, store::RunStatus::finished, 60), job(2, store::RunStatus::finished, 60),
                       job(3, store::RunStatus::stopped, 9)}));
    QCOMPARE(dock.table()->rowCount(), 1);
    button->click();
    QVERIFY(!button->isChecked());
    QCOMPARE(dock.table()->rowCount(), 4);
  }
};

QTEST_MAIN(TestRunsModel)
#include "test_runs_model.moc"
