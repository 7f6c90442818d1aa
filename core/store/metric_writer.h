#pragma once
// Batched metric writing for training processes. log() and log_layer() only append to a
// buffer; rows reach the database in one transaction per batch, which is what makes
// hundreds of thousands of rows per second possible (one transaction per row manages a
// few hundred).
//
// A batch is flushed when the buffer holds `max_rows` rows (in the calling thread, which
// then waits for the write), when the oldest buffered row has waited `max_age` (by a
// background thread, so a live reader sees every row within about that time even when
// training pauses), on flush(), and on destruction.
//
// Rows are never dropped silently. A failed flush keeps its rows buffered, in order, and
// throws DatabaseError naming the file and SQLite's message; the next flush retries
// them. A failure in the background thread is rethrown by the next log() or flush(). A
// destructor cannot throw: if its final flush fails it prints the number of rows lost
// and the error to stderr — call flush() before destruction to handle that case.
//
// log() and log_layer() may be called from several threads; rows of one thread keep
// their order.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/store/run_lease.h"
#include "core/store/store_options.h"

namespace depthscope::store {

class RunDb;

struct MetricWriterOptions {
  std::size_t max_rows = 4096;
  std::chrono::milliseconds max_age{250};
  StoreOptions store{};  // busy timeout and size cap; the writer never reaps stale runs
  // A training process's writer: every batch first checks, in its transaction, that this
  // attempt still owns the run (core/store/run_lease.h). A batch that finds it lost is
  // dropped, `signal` is raised, and every later log() or flush() throws LeaseLost without
  // touching the database.
  std::optional<LeaseId> owner;
  std::shared_ptr<LeaseSignal> signal;
};

class MetricWriter {
 public:
  // Opens its own connection to `db_path` (creating/migrating the schema if needed).
  explicit MetricWriter(const std::string& db_path, MetricWriterOptions options = {});
  ~MetricWriter();
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  // A scalar of `run` at `step`. Logging the same (run, key, step) again replaces the
  // value. NaN and +-Inf are kept exactly.
  void log(std::int64_t run, std::string_view key, std::int64_t step, double value);
  // A per-layer value; `layer` counts from 1 (throws UsageError otherwise).
  void log_layer(std::int64_t run, std::string_view key, std::int64_t step, int layer, double value);
  // Writes everything buffered now; throws DatabaseError if that fails.
  void flush();

  std::size_t pending() const;          // rows buffered, not yet committed
  std::uint64_t rows_written() const;   // rows committed by this writer
  std::uint64_t flushes() const;        // committed batches
  const std::string& path() const { return path_; }

 private:
  struct Metric {
    std::int64_t run, step, wall_ms;
    std::string key;
    double value;
  };
  struct LayerMetric {
    std::int64_t run, step;
    std::string key;
    int layer;
    double value;
  };
  struct Batch {
    std::vector<Metric> metrics;
    std::vector<LayerMetric> layers;
    std::size_t size() const { return metrics.size() + layers.size(); }
  };

  void after_append(std::unique_lock<std::mutex>& lock);
  void throw_if_lost() const;
  void flush_batch();  // takes flush_mu_; throws, keeping the rows, on failure
  void background();

  std::string path_;
  MetricWriterOptions options_;
  std::unique_ptr<RunDb> db_;  // used only under flush_mu_

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  Batch buffer_;
  std::chrono::steady_clock::time_point oldest_;  // when buffer_'s first row arrived
  std::exception_ptr background_error_;
  bool stop_ = false;
  std::uint64_t rows_written_ = 0, flushes_ = 0;

  std::mutex flush_mu_;  // one flush at a time; held while writing
  std::thread thread_;
};

}  // namespace depthscope::store
