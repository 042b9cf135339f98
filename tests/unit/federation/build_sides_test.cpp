// choose_build_sides: when two large remote join inputs have close guesses, the backends'
// EXPLAIN estimates decide which one the hash join builds on.

#include "federation/plan/build_sides.hpp"
#include "federation/plan/planner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest.h>
#include <map>

using namespace nectar::federation;
using nectar::Error;
using nectar::Result;

namespace {

// Answers estimate_rows() from a table keyed by SQL and counts the questions.
class EstimatingConnector final : public Connector {
  public:
    const std::string& service() const override { return name_; }
    const Dialect& dialect() const override { return postgres_dialect(); }
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override { co_return std::vector<TableInfo>{}; }
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string, std::vector<Type>) override {
        co_return Error::make("0A000", "not used");
    }
    boost::asio::awaitable<Result<CommandResult>> execute(std::string, std::vector<Type>) override {
        co_return Error::make("0A000", "not used");
    }
    boost::asio::awaitable<Result<int64_t>> estimate_rows(std::string sql) override {
        ++asked;
        auto it = estimates.find(sql);
        if (it == estimates.end()) {
            co_return Error::make("42601", "EXPLAIN failed");
        }
        co_return it->second;
    }

    std::map<std::string, int64_t> estimates;
    int asked = 0;

  private:
    std::string name_ = "svc";
};

PlanPtr remote(std::string sql, int64_t guess, std::vector<OutputColumn> columns) {
    auto r = PlanNode::make(PlanNode::Kind::Remote);
    r->service = "svc";
    r->remote_sql = std::move(sql);
    r->row_estimate = guess;
    r->columns = std::move(columns);
    return r;
}

// Join(probe(id, country), build(customer_id, amount)) on probe.id = build.customer_id.
PlanPtr join(int64_t probe_guess, int64_t build_guess) {
    auto j = PlanNode::make(PlanNode::Kind::Join);
    j->join_type = JoinType::Inner;
    j->children = {remote("probe", probe_guess, {{"id", Type::Int4}, {"country", Type::Text}}),
                   remote("build", build_guess, {{"customer_id", Type::Int4}, {"amount", Type::Numeric}})};
    j->columns = {{"id", Type::Int4}, {"country", Type::Text}, {"customer_id", Type::Int4}, {"amount", Type::Numeric}};
    j->condition = Expr::column_ref(0, Type::Int4); // only its column numbers matter here
    return j;
}

void choose(PlanPtr& root, EstimatingConnector& c) {
    boost::asio::io_context io;
    ConnectorLookup lookup = [&](std::string_view) -> Connector* { return &c; };
    boost::asio::co_spawn(io, choose_build_sides(root, lookup), boost::asio::detached);
    io.run();
}

const PlanNode* join_in(const PlanPtr& root) {
    const PlanNode* n = root.get();
    while (n->kind != PlanNode::Kind::Join) {
        n = n->children[0].get();
    }
    return n;
}

} // namespace

TEST_CASE("build side: the backends' estimates swap a join built on the larger input") {
    EstimatingConnector c;
    c.estimates = {{"probe", 1'000'000}, {"build", 1'200'000}};
    PlanPtr root = join(1'000'000, 200'000); // a filtered table guessed at a tenth
    choose(root, c);
    CHECK(c.asked == 2);
    REQUIRE(root->kind == PlanNode::Kind::Project);
    const PlanNode* j = join_in(root);
    CHECK(j->children[1]->remote_sql == "probe"); // builds on the smaller now
    CHECK(j->children[0]->remote_sql == "build");
    // Same output columns, in the same order, through the Project.
    REQUIRE(root->exprs.size() == 4);
    CHECK(root->exprs[0]->column == 2);
    CHECK(root->exprs[2]->column == 0);
    CHECK(j->condition->column == 2);
}

TEST_CASE("build side: estimates that agree with the guess change nothing") {
    EstimatingConnector c;
    c.estimates = {{"probe", 1'000'000}, {"build", 150'000}};
    PlanPtr root = join(1'000'000, 200'000);
    const PlanNode* before = root.get();
    choose(root, c);
    CHECK(c.asked == 2);
    CHECK(root.get() == before);
}

TEST_CASE("build side: backends are not asked when the guesses decide") {
    EstimatingConnector c;
    PlanPtr far_apart = join(2'000'000, 100'000); // 20 times apart
    choose(far_apart, c);
    PlanPtr small = join(1'000'000, 5'000); // the build side is small anyway
    choose(small, c);
    CHECK(c.asked == 0);
    CHECK(far_apart->kind == PlanNode::Kind::Join);
}

TEST_CASE("build side: an estimate the backend cannot give leaves the plan alone") {
    EstimatingConnector c;
    c.estimates = {{"probe", 1'000'000}}; // EXPLAIN of "build" fails
    PlanPtr root = join(1'000'000, 200'000);
    choose(root, c);
    CHECK(root->kind == PlanNode::Kind::Join);
}

TEST_CASE("build side: an Aggregate reads the swapped join directly (no Project copying every row)") {
    EstimatingConnector c;
    c.estimates = {{"probe", 1'000'000}, {"build", 1'200'000}};
    auto pick = PlanNode::make(PlanNode::Kind::Project); // country, amount
    PlanPtr j = join(1'000'000, 200'000);
    pick->children = {j};
    pick->exprs = {Expr::column_ref(1, Type::Text), Expr::column_ref(3, Type::Numeric)};
    pick->columns = {{"country", Type::Text}, {"amount", Type::Numeric}};
    auto agg = PlanNode::make(PlanNode::Kind::Aggregate);
    agg->children = {pick};
    agg->group_by = {Expr::column_ref(0, Type::Text)};
    AggregateCall sum;
    sum.args = {Expr::column_ref(1, Type::Numeric)};
    agg->aggregates = {sum};
    agg->columns = {{"country", Type::Text}, {"sum", Type::Numeric}};
    PlanPtr root = agg;
    choose(root, c);
    REQUIRE(root->kind == PlanNode::Kind::Aggregate);
    REQUIRE(root->children[0]->kind == PlanNode::Kind::Join);
    // The swapped join outputs build (customer_id, amount) then probe (id, country).
    CHECK(root->group_by[0]->column == 3);
    CHECK(root->aggregates[0].args[0]->column == 1);
}
