#include "bench/sqlite_bench.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

namespace loa::bench {

namespace {

using Steady = std::chrono::steady_clock;

std::vector<std::string> Columns(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> cols;
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?)");
  q.bind(1, table);
  while (q.executeStep()) cols.push_back(q.getColumn(0).getString());
  return cols;
}

int64_t Scalar(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  return q.executeStep() && !q.getColumn(0).isNull() ? q.getColumn(0).getInt64() : 0;
}

// INSERT INTO table SELECT ... FROM table, copies: each key column given
// in `renamed` is replaced by its expression (k is the copy's number).
void Clone(SQLite::Database& db, const std::string& table, const std::string& where,
           const std::vector<std::pair<std::string, std::string>>& renamed) {
  std::string names, values;
  for (const std::string& col : Columns(db, table)) {
    std::string value = "t.\"" + col + "\"";
    for (const auto& [name, expr] : renamed) {
      if (name == col) value = expr;
    }
    names += (names.empty() ? "\"" : ", \"") + col + "\"";
    values += (values.empty() ? "" : ", ") + value;
  }
  db.exec("INSERT INTO \"" + table + "\" (" + names + ") SELECT " + values + " FROM \"" + table +
          "\" AS t, copies WHERE " + where + " ORDER BY copies.k");
}

}  // namespace

double DurableCommitsPerSecond(const std::filesystem::path& dir, int commits) {
  std::filesystem::path path = dir / "commit-rate.sqlite";
  std::filesystem::remove(path);
  try {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, note TEXT)");
    SQLite::Statement insert(db, "INSERT INTO t (at, note) VALUES (?, 'published')");
    auto t0 = Steady::now();
    for (int i = 0; i < commits; ++i) {
      SQLite::Transaction tx(db);
      insert.bind(1, static_cast<int64_t>(i));
      insert.exec();
      insert.reset();
      tx.commit();
    }
    double secs = std::chrono::duration<double>(Steady::now() - t0).count();
    return commits / secs;
  } catch (const std::exception&) {
    return 0;
  }
}

SeedResult CloneHistory(const std::filesystem::path& path, int64_t posts) {
  SeedResult r;
  auto t0 = Steady::now();
  try {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA busy_timeout=5000");
    std::set<std::string> tables;
    SQLite::Statement names(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    while (names.executeStep()) tables.insert(names.getColumn(0).getString());
    for (const char* needed : {"posts", "deliveries", "attempts"}) {
      if (!tables.count(needed)) {
        r.error = std::string("the store has no table ") + needed;
        return r;
      }
    }
    // Clones' integer keys lie above every real one: copy k of row id is
    // id + k * stride.
    const std::string dstride = std::to_string(Scalar(db, "SELECT MAX(id) FROM deliveries") + 1);
    const std::string astride = std::to_string(Scalar(db, "SELECT MAX(id) FROM attempts") + 1);
    SQLite::Transaction tx(db);
    // Only settled posts are history: one still due would be cloned into a
    // queue the benchmark did not ask for.
    db.exec(
        "CREATE TEMP TABLE templates AS SELECT id FROM posts p WHERE NOT EXISTS (SELECT 1 FROM "
        "deliveries d WHERE d.post_id = p.id AND d.state IN ('scheduled', 'sending'))");
    const int64_t real = Scalar(db, "SELECT COUNT(*) FROM templates");
    if (real == 0) {
      r.error = "the store has no posts to clone";
      return r;
    }
    const int64_t copies = std::max<int64_t>(1, posts / real - 1);
    // Named after the store's size too, so that cloning a store twice
    // never makes a name the first cloning made.
    const std::string tag = "'-h" + std::to_string(real) + "-' || copies.k";
    const std::string suffix = "t.post_id || " + tag;
    db.exec("CREATE TEMP TABLE copies (k INTEGER PRIMARY KEY)");
    db.exec("WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < " +
            std::to_string(copies) + ") INSERT INTO copies SELECT k FROM s");
    const std::string of_templates = "t.post_id IN (SELECT id FROM templates)";
    Clone(db, "posts", "t.id IN (SELECT id FROM templates)", {{"id", "t.id || " + tag}});
    if (tables.count("revisions")) Clone(db, "revisions", of_templates, {{"post_id", suffix}});
    Clone(db, "attempts",
          "t.delivery_id IN (SELECT id FROM deliveries WHERE post_id IN (SELECT id FROM "
          "templates))",
          {{"id", "t.id + copies.k * " + astride},
           {"delivery_id", "t.delivery_id + copies.k * " + dstride}});
    // After the attempts, whose template rows are found through the real
    // deliveries only.
    Clone(db, "deliveries", of_templates,
          {{"id", "t.id + copies.k * " + dstride}, {"post_id", suffix}});
    db.exec("DROP TABLE copies");
    db.exec("DROP TABLE templates");
    tx.commit();
    r.posts = Scalar(db, "SELECT COUNT(*) FROM posts");
    r.attempts = Scalar(db, "SELECT COUNT(*) FROM attempts");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  return r;
}

}  // namespace loa::bench
