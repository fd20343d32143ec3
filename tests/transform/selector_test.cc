// SelectNodes (dbt's selection syntax) and TopologicalOrder.
#include <gtest/gtest.h>

#include <algorithm>

#include "transform/manifest.h"
#include "transform/test_project.h"

namespace sluice::transform {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

class Selector : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("dbt_project.yml",
               "name: shop\nmodels:\n  shop:\n    staging:\n      +tags: staging\n"
               "    marts:\n      +materialized: table\n");
    dir_.Write("models/staging/sources.yml",
               "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n");
    dir_.Write("models/staging/stg_orders.sql", "select * from {{ source('raw', 'orders') }}");
    dir_.Write("models/staging/stg_customers.sql", "select 1 as id");
    dir_.Write("models/marts/orders.sql",
               "{{ config(tags=['nightly']) }}select * from {{ ref('stg_orders') }}, "
               "{{ ref('stg_customers') }}");
    dir_.Write("models/marts/revenue.sql", "select * from {{ ref('orders') }}");
    dir_.Write("models/marts/schema.yml", "version: 2\nmodels:\n  - name: orders\n    columns:\n"
                                          "      - name: id\n        tests: [not_null]\n");
    dir_.Write("models/report.sql", "{{ config(materialized='view') }}select * from {{ ref('revenue') }}");
    dir_.Write("seeds/countries.csv", "code\nde\n");
    project_ = LoadDbtProject(dir_.path(), {}, &diag_);
    manifest_ = BuildManifest(project_, &diag_);
    ASSERT_FALSE(diag_.has_errors()) << diag_.ToString();
  }

  // Sorted names of the selection, or "error: ..." text.
  std::string Select(const std::vector<std::string>& select,
                     const std::vector<std::string>& exclude = {},
                     const std::vector<NodeKind>& kinds = {}) {
    Result<std::vector<int>> r = SelectNodes(manifest_, select, exclude, kinds);
    if (!r.ok()) return "error: " + r.status().message();
    std::vector<std::string> names;
    for (int i : *r) names.push_back(manifest_.nodes[static_cast<size_t>(i)].name);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
  }

  TempDir home_;
  ScopedEnv h_{"HOME", home_.path().c_str()};
  TempDir dir_;
  Diagnostics diag_;
  DbtProject project_;
  Manifest manifest_;
};

TEST_F(Selector, ByNameWithGraphOperators) {
  EXPECT_EQ(Select({"orders"}), "not_null_orders_id orders");
  EXPECT_EQ(Select({"orders+"}), "not_null_orders_id orders report revenue");
  EXPECT_EQ(Select({"+orders"}), "not_null_orders_id orders raw.orders stg_customers stg_orders");
  EXPECT_EQ(Select({"1+orders"}), "not_null_orders_id orders stg_customers stg_orders");
  EXPECT_EQ(Select({"orders+1"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"2+report"}), "not_null_orders_id orders report revenue");
  EXPECT_EQ(Select({"@stg_orders"}),
            "not_null_orders_id orders raw.orders report revenue stg_customers stg_orders");
  EXPECT_EQ(Select({"stg_*"}), "stg_customers stg_orders");
}

TEST_F(Selector, Methods) {
  EXPECT_EQ(Select({"tag:staging"}), "stg_customers stg_orders");
  EXPECT_EQ(Select({"tag:nightly"}), "not_null_orders_id orders");
  EXPECT_EQ(Select({"path:models/marts"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"path:models/marts/"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"models/report.sql"}), "report");
  EXPECT_EQ(Select({"source:raw+"}),
            "not_null_orders_id orders raw.orders report revenue stg_orders");
  EXPECT_EQ(Select({"source:raw.orders"}), "raw.orders");
  EXPECT_EQ(Select({"resource_type:seed"}), "countries");
  EXPECT_EQ(Select({"resource_type:test"}), "not_null_orders_id");
  EXPECT_EQ(Select({"config.materialized:table"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"marts"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"shop.staging.stg_orders"}), "stg_orders");
  EXPECT_EQ(Select({"fqn:staging"}), "stg_customers stg_orders");
}

TEST_F(Selector, UnionIntersectionExcludeAndKinds) {
  EXPECT_EQ(Select({"stg_orders report"}), "report stg_orders");
  EXPECT_EQ(Select({"stg_orders", "report"}), "report stg_orders");
  EXPECT_EQ(Select({"tag:nightly,+revenue"}), "not_null_orders_id orders");
  EXPECT_EQ(Select({"+revenue,tag:staging"}), "stg_customers stg_orders");
  EXPECT_EQ(Select({}, {"orders"}),
            "countries raw.orders report revenue stg_customers stg_orders");
  EXPECT_EQ(Select({"orders+"}, {"report"}), "not_null_orders_id orders revenue");
  EXPECT_EQ(Select({"+orders"}, {}, {NodeKind::kModel}), "orders stg_customers stg_orders");
  EXPECT_EQ(Select({"orders"}, {}, {NodeKind::kTest}), "not_null_orders_id");
  EXPECT_EQ(Select({"  "}), Select({}));
}

TEST_F(Selector, UnknownNamesAreErrorsWithSuggestions) {
  EXPECT_EQ(Select({"ordrs"}),
            "error: selector 'ordrs' matches no node (did you mean 'orders'?)");
  EXPECT_EQ(Select({"tag:nightli"}),
            "error: selector 'tag:nightli' matches no tag (did you mean 'nightly'?)");
  EXPECT_EQ(Select({"tags:nightly"}),
            "error: unknown selector method 'tags' in 'tags:nightly' (did you mean 'tag'?)");
  EXPECT_EQ(Select({"resource_type:modle"}),
            "error: unknown resource type 'modle' (did you mean 'model'?)");
  EXPECT_EQ(Select({}, {"revenu"}),
            "error: selector 'revenu' matches no node (did you mean 'revenue'?)");
  EXPECT_EQ(Select({"+"}).rfind("error: ", 0), 0u);
  EXPECT_EQ(Select({"@"}), "error: selector '@' names nothing (write e.g. 'orders', 'orders+', "
                           "'tag:nightly' or 'path:models/marts')");
  EXPECT_NE(Select({"99999999999999999999+orders"}).find("orders"), std::string::npos);
}

TEST_F(Selector, TopologicalOrderIsDeterministic) {
  std::vector<int> all;
  for (size_t i = 0; i < manifest_.nodes.size(); ++i) all.push_back(static_cast<int>(i));
  std::vector<std::string> names;
  for (int i : TopologicalOrder(manifest_, all)) {
    names.push_back(manifest_.nodes[static_cast<size_t>(i)].name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"countries", "raw.orders", "stg_customers",
                                             "stg_orders", "orders", "not_null_orders_id",
                                             "revenue", "report"}));
  // Dependencies outside the selection do not hold a node back.
  std::vector<int> some = {manifest_.Find(NodeKind::kModel, "report"),
                           manifest_.Find(NodeKind::kModel, "stg_orders")};
  std::vector<int> order = TopologicalOrder(manifest_, some);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(manifest_.nodes[static_cast<size_t>(order[0])].name, "report");
}

}  // namespace
}  // namespace sluice::transform
