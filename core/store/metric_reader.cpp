#include "core/store/metric_reader.h"

#include "core/store/connection.h"
#include "core/store/run_db.h"

namespace depthscope::store {
namespace {

constexpr const char* kMetricColumns = "id, run_id, key, step, value, wall_ms";
constexpr const char* kLayerColumns = "id, run_id, key, step, layer, value";

MetricRow read_metric(const Statement& s) {
  return {s.int64(0), s.int64(1), s.text(2), s.int64(3), s.real(4), s.int64(5)};
}

LayerMetricRow read_layer(const Statement& s) {
  return {s.int64(0), s.int64(1), s.text(2), s.int64(3), static_cast<int>(s.int64(4)), s.real(5)};
}

EventRecord read_event(const Statement& s) {
  return {s.int64(0), s.optional_int64(1), s.int64(2), parse_event_level(s.text(3)), s.text(4)};
}

// "Rows of `table` newer than cursor": with a run, the (run_id, id) index makes this one
// range seek however many rows the run holds; without, it is a range of the primary key.
template <class Row, class ReadRow>
RowsSince<Row> rows_since(RunDb& db, const char* table, const char* columns,
                          std::optional<std::int64_t> run, std::int64_t cursor, std::size_t limit,
                          ReadRow read_row) {
  RowsSince<Row> out{{}, cursor, false};
  Connection& conn = db.connection();
  const std::string sql = std::string("SELECT ") + columns + " FROM " + table +
                          (run ? " WHERE run_id = ?1 AND id > ?2" : " WHERE id > ?2") +
                          " ORDER BY id LIMIT ?3";
  conn.read(std::string("read new ") + table + " rows", [&] {
    out = {{}, cursor, false};
    Statement s = conn.prepare(sql);
    if (run) s.bind_int(1, *run);
    s.bind_int(2, cursor).bind_int(3, static_cast<std::int64_t>(limit));
    while (s.step()) out.rows.push_back(read_row(s));
  });
  if (!out.rows.empty()) out.cursor = out.rows.back().id;
  out.more = out.rows.size() == limit;
  return out;
}

}  // namespace

RowsSince<MetricRow> metrics_since(RunDb& db, std::optional<std::int64_t> run, std::int64_t cursor,
                                   std::size_t limit) {
  return rows_since<MetricRow>(db, "metrics", kMetricColumns, run, cursor, limit, read_metric);
}

RowsSince<LayerMetricRow> layer_metrics_since(RunDb& db, std::optional<std::int64_t> run,
                                              std::int64_t cursor, std::size_t limit) {
  return rows_since<LayerMetricRow>(db, "layer_metrics", kLayerColumns, run, cursor, limit,
                                    read_layer);
}

RowsSince<EventRecord> events_since(RunDb& db, std::optional<std::int64_t> run, std::int64_t cursor,
                                    std::size_t limit) {
  return rows_since<EventRecord>(db, "events", "id, run_id, wall_ms, level, message", run, cursor,
                                 limit, read_event);
}

std::vector<MetricRow> last_values(RunDb& db, std::int64_t run) {
  // Walks the distinct keys through the (run_id, key, step) index one seek at a time and
  // takes each key's largest step with one more seek, instead of scanning every row.
  static const std::string sql = std::string("WITH RECURSIVE keys(k) AS (") +
      "  SELECT (SELECT min(key) FROM metrics WHERE run_id = ?1)" +
      "  UNION ALL" +
      "  SELECT (SELECT min(key) FROM metrics WHERE run_id = ?1 AND key > keys.k) FROM keys" +
      "  WHERE keys.k IS NOT NULL) " +
      "SELECT m.id, m.run_id, m.key, m.step, m.value, m.wall_ms FROM keys JOIN metrics m ON m.id = " +
      "  (SELECT id FROM metrics WHERE run_id = ?1 AND key = keys.k ORDER BY step DESC LIMIT 1) " +
      "ORDER BY m.key";
  std::vector<MetricRow> out;
  Connection& conn = db.connection();
  conn.read("read last metric values of run " + std::to_string(run), [&] {
    out.clear();
    Statement s = conn.prepare(sql);
    s.bind_int(1, run);
    while (s.step()) out.push_back(read_metric(s));
  });
  return out;
}

std::vector<MetricRow> run_metrics(RunDb& db, std::int64_t run) {
  std::vector<MetricRow> out;
  Connection& conn = db.connection();
  conn.read("export metrics of run " + std::to_string(run), [&] {
    out.clear();
    Statement s = conn.prepare(std::string("SELECT ") + kMetricColumns +
                               " FROM metrics WHERE run_id = ?1 ORDER BY key, step");
    s.bind_int(1, run);
    while (s.step()) out.push_back(read_metric(s));
  });
  return out;
}

std::vector<LayerMetricRow> run_layer_metrics(RunDb& db, std::int64_t run) {
  std::vector<LayerMetricRow> out;
  Connection& conn = db.connection();
  conn.read("export layer metrics of run " + std::to_string(run), [&] {
    out.clear();
    Statement s = conn.prepare(std::string("SELECT ") + kLayerColumns +
                               " FROM layer_metrics WHERE run_id = ?1 ORDER BY key, step, layer");
    s.bind_int(1, run);
    while (s.step()) out.push_back(read_layer(s));
  });
  return out;
}

}  // namespace depthscope::store
