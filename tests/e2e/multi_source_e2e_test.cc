// A query that joins the streams of two sources runs in one pipeline of both (MultiSource):
// through the real binary, its results are exactly the join of the two files, also after
// a second run resumes both sources from the checkpoint and reads the files added since.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

struct Order {
  int64_t id;
  std::string customer;
  int64_t amount;
};
struct Payment {
  int64_t order_id;
  int64_t paid;
};

std::string OrdersCsv(const std::vector<Order>& v) {
  std::string s = "id,customer,amount\n";
  for (const Order& o : v) s += std::to_string(o.id) + "," + o.customer + "," + std::to_string(o.amount) + "\n";
  return s;
}

std::string PaymentsCsv(const std::vector<Payment>& v) {
  std::string s = "order_id,paid\n";
  for (const Payment& p : v) s += std::to_string(p.order_id) + "," + std::to_string(p.paid) + "\n";
  return s;
}

// The view's rows as the join computes them, one CSV line each, in the query's order.
std::string ExpectedJoin(const std::vector<Order>& orders, const std::vector<Payment>& payments) {
  std::multiset<std::tuple<int64_t, std::string, int64_t, int64_t>> rows;
  for (const Order& o : orders) {
    for (const Payment& p : payments) {
      if (p.order_id == o.id) rows.insert({o.id, o.customer, o.amount, p.paid});
    }
  }
  std::string out;
  for (const auto& [id, customer, amount, paid] : rows) {
    out += std::to_string(id) + "," + customer + "," + std::to_string(amount) + "," + std::to_string(paid) + "\n";
  }
  return out;
}

// Equal texts, or a failure naming the first line that differs (not the whole text).
void ExpectSameLines(const std::string& got, const std::string& want) {
  if (got == want) return;
  size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  const size_t line_start = want.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t from = line_start == std::string::npos ? 0 : line_start + 1;
  ADD_FAILURE() << "results differ (" << got.size() << " bytes, expected " << want.size()
                << ") from: got '" << got.substr(from, 60) << "', expected '" << want.substr(from, 60) << "'";
}

std::string ExpectedTotals(const std::vector<Order>& orders, const std::vector<Payment>& payments) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_customer;  // payments, sum paid
  for (const Order& o : orders) {
    for (const Payment& p : payments) {
      if (p.order_id != o.id) continue;
      by_customer[o.customer].first += 1;
      by_customer[o.customer].second += p.paid;
    }
  }
  std::string out;
  for (const auto& [c, v] : by_customer) out += c + "," + std::to_string(v.first) + "," + std::to_string(v.second) + "\n";
  return out;
}

// Query output without its header line.
std::string Rows(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const size_t nl = r.output.find('\n');
  return nl == std::string::npos ? "" : r.output.substr(nl + 1);
}

TEST(MultiSourceE2E, AJoinOfTwoSourcesIsExactAndResumesBoth) {
  TempDir d;
  d.Write("sluice.yaml", "name: two\n");
  d.Write("sources/orders.yaml",
          "type: file\npath: data/orders/*.csv\ncolumns:\n"
          "  - {name: id, type: BIGINT, nullable: false}\n"
          "  - {name: customer, type: VARCHAR, nullable: false}\n"
          "  - {name: amount, type: BIGINT, nullable: false}\n");
  d.Write("sources/payments.yaml",
          "type: file\npath: data/payments/*.csv\ncolumns:\n"
          "  - {name: order_id, type: BIGINT, nullable: false}\n"
          "  - {name: paid, type: BIGINT, nullable: false}\n");
  d.Write("streams/q.sql",
          "CREATE MATERIALIZED VIEW paid_orders AS\n"
          "SELECT o.id, o.customer, o.amount, p.paid\n"
          "FROM orders AS o JOIN payments AS p ON o.id = p.order_id;\n"
          "CREATE MATERIALIZED VIEW paid_by_customer AS\n"
          "SELECT o.customer, count(*) AS payments, sum(p.paid) AS paid\n"
          "FROM orders AS o JOIN payments AS p ON o.id = p.order_id GROUP BY o.customer;\n");
  std::vector<Order> orders;
  std::vector<Payment> payments;
  for (int64_t i = 1; i <= 3000; ++i) orders.push_back({i, "c" + std::to_string(i % 7), i * 3});
  // Payments for some orders, some twice, some for orders that come only in the second run.
  for (int64_t i = 1; i <= 4000; i += 2) payments.push_back({i, i % 100});
  for (int64_t i = 3; i <= 3000; i += 9) payments.push_back({i, 1});
  d.Write("data/orders/1.csv", OrdersCsv(orders));
  d.Write("data/payments/1.csv", PaymentsCsv(payments));
  const std::string dir = d.str();
  CommandResult first = Sluice("run " + Quote(dir) + " --status off");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string join_sql =
      "SELECT id, customer, amount, paid FROM paid_orders ORDER BY id, customer, amount, paid";
  const std::string totals_sql = "SELECT customer, payments, paid FROM paid_by_customer ORDER BY customer";
  ExpectSameLines(Rows(dir, join_sql), ExpectedJoin(orders, payments));
  ExpectSameLines(Rows(dir, totals_sql), ExpectedTotals(orders, payments));

  // Second run: new files on both sides; the pipeline resumes both sources where the
  // checkpoint left them (nothing read twice) and joins the new rows with the old state.
  std::vector<Order> more_orders;
  for (int64_t i = 3001; i <= 4000; ++i) more_orders.push_back({i, "c" + std::to_string(i % 5), i});
  std::vector<Payment> more_payments;
  for (int64_t i = 2; i <= 4000; i += 10) more_payments.push_back({i, 7});
  d.Write("data/orders/2.csv", OrdersCsv(more_orders));
  d.Write("data/payments/2.csv", PaymentsCsv(more_payments));
  CommandResult second = Sluice("run " + Quote(dir) + " --status off");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  orders.insert(orders.end(), more_orders.begin(), more_orders.end());
  payments.insert(payments.end(), more_payments.begin(), more_payments.end());
  ExpectSameLines(Rows(dir, join_sql), ExpectedJoin(orders, payments));
  ExpectSameLines(Rows(dir, totals_sql), ExpectedTotals(orders, payments));
}

TEST(MultiSourceE2E, AWindowOnTheWrongColumnOfEitherSourceIsRefused) {
  TempDir d;
  d.Write("sluice.yaml", "name: two\n");
  d.Write("sources/a.yaml",
          "type: file\npath: a.csv\nwatermark: {column: ts, delay: 1s}\ncolumns:\n"
          "  - {name: k, type: BIGINT}\n  - {name: ts, type: TIMESTAMP}\n  - {name: other, type: TIMESTAMP}\n");
  d.Write("sources/b.yaml",
          "type: file\npath: b.csv\nwatermark: {column: at, delay: 2s}\ncolumns:\n"
          "  - {name: k, type: BIGINT}\n  - {name: at, type: TIMESTAMP}\n");
  const auto query = [](const std::string& column) {
    return "CREATE MATERIALIZED VIEW w AS SELECT c.window_start, c.n, b.at\n"
           "FROM (SELECT window_start, k, count(*) AS n FROM TUMBLE(a, " + column +
           ", INTERVAL '1' MINUTE)\n      GROUP BY window_start, k EMIT ON WINDOW CLOSE) AS c\n"
           "JOIN b ON c.k = b.k;\n";
  };
  d.Write("a.csv", "k,ts,other\n");
  d.Write("b.csv", "k,at\n");
  d.Write("streams/q.sql", query("other"));
  CommandResult r = Sluice("validate " + Quote(d.str()));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the window's event time is 'other'"), std::string::npos) << r.output;
  d.Write("streams/q.sql", query("ts"));
  CommandResult ok = Sluice("validate " + Quote(d.str()));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

}  // namespace
}  // namespace sluice::e2e
