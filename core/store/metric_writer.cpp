#include "core/store/metric_writer.h"

#include <cstdio>
#include <iterator>

#include "core/error.h"
#include "core/store/connection.h"
#include "core/store/ownership.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"

namespace depthscope::store {
namespace {

StoreOptions writer_store_options(StoreOptions o) {
  o.reap_on_open = false;  // a writer's job is its own run, not judging others
  return o;
}

template <class T>
void put_back_in_front(std::vector<T>& failed, std::vector<T>& newer) {
  failed.insert(failed.end(), std::make_move_iterator(newer.begin()),
                std::make_move_iterator(newer.end()));
  newer = std::move(failed);
}

}  // namespace

MetricWriter::MetricWriter(const std::string& db_path, MetricWriterOptions options)
    : path_(db_path),
      options_(options),
      db_(std::make_unique<RunDb>(db_path, writer_store_options(options.store))) {
  if (options_.max_rows == 0) options_.max_rows = 1;
  if (options_.owner && !options_.signal) options_.signal = std::make_shared<LeaseSignal>();
  thread_ = std::thread(&MetricWriter::background, this);
}

MetricWriter::~MetricWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  try {
    flush_batch();
  } catch (const LeaseLost&) {
    // Said once by the owner of the lease; nothing more is written.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "depthscope: %zu metric rows could not be written to the run database: %s\n",
                 pending(), e.what());
  }
}

void MetricWriter::throw_if_lost() const {
  if (options_.signal && options_.signal->raised())
    throw LeaseLost(path_, "write metrics of run " + std::to_string(options_.owner ? options_.owner->run : 0),
                    options_.signal->why());
}

void MetricWriter::log(std::int64_t run, std::string_view key, std::int64_t step, double value) {
  throw_if_lost();
  std::unique_lock<std::mutex> lock(mu_);
  buffer_.metrics.push_back({run, step, wall_ms_now(), std::string(key), value});
  after_append(lock);
}

void MetricWriter::log_layer(std::int64_t run, std::string_view key, std::int64_t step, int layer,
                             double value) {
  if (layer < 1)
    throw UsageError("layer_metrics '" + std::string(key) + "': layer " + std::to_string(layer) +
                     " is not a layer; layers are numbered from 1");
  throw_if_lost();
  std::unique_lock<std::mutex> lock(mu_);
  buffer_.layers.push_back({run, step, std::string(key), layer, value});
  after_append(lock);
}

// The row is already buffered when this runs, so whatever is thrown here it is kept.
void MetricWriter::after_append(std::unique_lock<std::mutex>& lock) {
  const std::size_t n = buffer_.size();
  if (n == 1) {
    oldest_ = std::chrono::steady_clock::now();
    wake_.notify_one();
  }
  if (background_error_) {
    std::exception_ptr e = background_error_;
    background_error_ = nullptr;
    wake_.notify_one();  // the background thread may try again
    std::rethrow_exception(e);
  }
  if (n >= options_.max_rows) {
    lock.unlock();
    flush_batch();
  }
}

void MetricWriter::flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    background_error_ = nullptr;  // this flush retries those rows and reports for itself
  }
  flush_batch();
}

void MetricWriter::flush_batch() {
  std::lock_guard<std::mutex> one_at_a_time(flush_mu_);
  throw_if_lost();
  Batch batch;
  std::chrono::steady_clock::time_point batch_oldest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(batch, buffer_);
    batch_oldest = oldest_;
  }
  const std::size_t n = batch.size();
  if (n == 0) return;
  try {
    Connection& conn = db_->connection();
    conn.write("insert " + std::to_string(n) + " metric rows", [&] {
      if (options_.owner) require_owner(conn, *options_.owner);
      if (!batch.metrics.empty()) {
        // REPLACE, not an upsert: the replacement gets a new id, so readers following
        // "id > cursor" see it.
        Statement s = conn.prepare(
            "INSERT OR REPLACE INTO metrics(run_id, key, step, value, wall_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const Metric& m : batch.metrics) {
          s.bind_int(1, m.run).bind_text(2, m.key).bind_int(3, m.step).bind_real(4, m.value)
              .bind_int(5, m.wall_ms).run();
          s.reset();
        }
      }
      if (!batch.layers.empty()) {
        Statement s = conn.prepare(
            "INSERT OR REPLACE INTO layer_metrics(run_id, key, step, layer, value) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const LayerMetric& m : batch.layers) {
          s.bind_int(1, m.run).bind_text(2, m.key).bind_int(3, m.step).bind_int(4, m.layer)
              .bind_real(5, m.value).run();
          s.reset();
        }
      }
    });
  } catch (const LeaseLost& e) {
    if (options_.signal) options_.signal->raise(e.problem());
    throw;  // the batch is dropped: this process no longer owns the run
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    put_back_in_front(batch.metrics, buffer_.metrics);
    put_back_in_front(batch.layers, buffer_.layers);
    oldest_ = batch_oldest;
    throw;
  }
  std::lock_guard<std::mutex> lock(mu_);
  rows_written_ += n;
  ++flushes_;
}

void MetricWriter::background() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // After a failure, wait for the owner to hear about it (log/flush) before retrying.
    if (buffer_.size() == 0 || background_error_) {
      wake_.wait(lock);
      continue;
    }
    const auto due = oldest_ + options_.max_age;
    if (std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    lock.unlock();
    try {
      flush_batch();
      lock.lock();
    } catch (...) {
      lock.lock();
      background_error_ = std::current_exception();
    }
  }
}

std::size_t MetricWriter::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffer_.size();
}

std::uint64_t MetricWriter::rows_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rows_written_;
}

std::uint64_t MetricWriter::flushes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return flushes_;
}

}  // namespace depthscope::store
