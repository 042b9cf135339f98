// The executor's streaming operators, joins, Remote leaves, subqueries and the memory limit.

#include "executor_test_util.hpp"

#include "federation/connectors/connector.hpp"

using namespace executor_test;

namespace {

// A remote result of `total` int8 rows 0..total-1, produced lazily; counts how often it is pulled.
class CountingStream final : public RowStream {
  public:
    CountingStream(int64_t total, int* pulls)
        : total_(total)
        , pulls_(pulls) {}
    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        ++*pulls_;
        for (size_t i = 0; i < Batch::kBatchRows && next_ < total_; ++i)
            batch.rows.push_back({Value::int8(next_++)});
        co_return next_ < total_;
    }

  private:
    int64_t total_;
    int64_t next_ = 0;
    int* pulls_;
};

class FakeConnector final : public Connector {
  public:
    explicit FakeConnector(int64_t rows)
        : rows_(rows) {}
    const std::string& service() const override { return name_; }
    const Dialect& dialect() const override { return postgres_dialect(); }
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override {
        co_return std::vector<TableInfo>{};
    }
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql,
                                                                      std::vector<Type> types) override {
        last_sql = std::move(sql);
        last_types = std::move(types);
        co_return std::unique_ptr<RowStream>(std::make_unique<CountingStream>(rows_, &pulls));
    }
    boost::asio::awaitable<Result<CommandResult>> execute(std::string, std::vector<Type>) override {
        co_return Error::make("0A000", "read-only fake");
    }

    std::string last_sql;
    std::vector<Type> last_types;
    int pulls = 0;

  private:
    std::string name_ = "fake";
    int64_t rows_;
};

PlanPtr remote(std::string sql) {
    auto p = PlanNode::make(PlanNode::Kind::Remote);
    p->service = "fake";
    p->remote_sql = std::move(sql);
    p->columns = {{"n", Type::Int8}};
    return p;
}

ExecContext context_with(FakeConnector& fake) {
    ExecContext ctx;
    ctx.connector = [&fake](std::string_view service) -> Connector* {
        return service == "fake" ? &fake : nullptr;
    };
    return ctx;
}

PlanPtr limit(PlanPtr child, std::optional<int64_t> count, int64_t offset = 0) {
    auto p = unary(PlanNode::Kind::Limit, std::move(child));
    p->limit = count;
    p->offset = offset;
    return p;
}

PlanPtr ints(std::vector<std::optional<int64_t>> xs) {
    std::vector<Row> rows;
    for (auto x : xs)
        rows.push_back({x ? I(*x) : N()});
    return values({Type::Int4}, rows);
}

ExprPtr subquery(Expr::SubKind kind, PlanPtr plan, std::vector<ExprPtr> args = {}, bool negated = false) {
    auto e = std::const_pointer_cast<Expr>(make(Expr::Kind::Subquery, std::move(args), Type::Bool, negated));
    e->sub_kind = kind;
    e->subquery = std::move(plan);
    if (kind == Expr::SubKind::Scalar)
        e->type = Type::Int4;
    return e;
}

ExprPtr cast_to_int8(ExprPtr e) { return make(Expr::Kind::Cast, {std::move(e)}, Type::Int8); }

PlanPtr project(PlanPtr child, std::vector<ExprPtr> exprs) {
    std::vector<Type> types;
    for (const auto& e : exprs)
        types.push_back(e->type);
    auto p = unary(PlanNode::Kind::Project, std::move(child), types);
    p->exprs = std::move(exprs);
    return p;
}

} // namespace

TEST_CASE("executor: expressions follow PostgreSQL's three-valued logic and NULL rules") {
    auto input = values({Type::Int4, Type::Int4}, {{I(1), I(10)}, {I(2), N()}, {N(), I(30)}, {I(4), I(40)}});
    auto a = col(0), b = col(1);
    auto a_gt_1 = op(">", a, lit(I(1)));
    auto b_gt_20 = op(">", b, lit(I(20)));
    auto nullif = std::const_pointer_cast<Expr>(make(Expr::Kind::NullIf, {a, lit(I(2))}, Type::Int4));
    nullif->fn = op_impl("=", Type::Int4, Type::Int4);
    auto kase = make(Expr::Kind::Case,
                     {a_gt_1, lit(T("big")), make(Expr::Kind::IsNull, {a}), lit(T("none")), lit(T("small"))},
                     Type::Text);
    auto plan = project(input, {
                                   make(Expr::Kind::And, {a_gt_1, b_gt_20}),
                                   make(Expr::Kind::Or, {a_gt_1, b_gt_20}),
                                   make(Expr::Kind::Not, {a_gt_1}),
                                   make(Expr::Kind::IsNull, {a}),
                                   in_list(a, {lit(I(1)), lit(N())}),
                                   in_list(a, {lit(I(1)), lit(I(4))}, true),
                                   make(Expr::Kind::Coalesce, {b, a, lit(I(0))}, Type::Int4),
                                   nullif,
                                   kase,
                                   make(Expr::Kind::IsDistinct, {b, lit(N())}),
                                   op("+", a, b),
                               });
    CHECK(rows_of(plan) == Strings{
                               "f|f|t|f|t|f|10|1|small|t|11",
                               "NULL|t|f|f|NULL|t|2|NULL|big|f|NULL",
                               "NULL|t|NULL|t|NULL|NULL|30|NULL|none|t|NULL",
                               "t|t|f|f|NULL|f|40|4|big|t|44",
                           });

    auto filter = unary(PlanNode::Kind::Filter, input);
    filter->predicate = make(Expr::Kind::And, {a_gt_1, b_gt_20});
    CHECK(rows_of(filter) == Strings{"4|40"}); // NULL counts as false
}

TEST_CASE("executor: parameters come from the context") {
    auto p = std::make_shared<Expr>();
    p->kind = Expr::Kind::Param;
    p->param = 1;
    p->type = Type::Text;
    auto plan = project(ints({1}), {p});
    ExecContext ctx;
    ctx.params = {T("hello")};
    auto r = execute(plan, ctx);
    REQUIRE(r.ok());
    CHECK(*r == Strings{"hello"});
    ExecContext none;
    auto missing = execute(plan, none);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().sqlstate == "42P02");
}

TEST_CASE("executor: limit, offset, values and distinct") {
    auto five = ints({1, 2, 3, 4, 5});
    CHECK(rows_of(limit(five, 2, 1)) == Strings{"2", "3"});
    CHECK(rows_of(limit(five, 0)).empty());
    CHECK(rows_of(limit(five, std::nullopt, 3)) == Strings{"4", "5"});
    CHECK(rows_of(limit(five, 10, 4)) == Strings{"5"});

    auto dupes = values({Type::Int4, Type::Text},
                        {{I(1), T("a")}, {I(1), T("a")}, {N(), T("a")}, {N(), T("a")}, {I(2), T("b")}});
    CHECK(rows_of(unary(PlanNode::Kind::Distinct, dupes)) == Strings{"1|a", "NULL|a", "2|b"});
}

TEST_CASE("executor: Remote streams from the connector, Limit stops pulling it") {
    FakeConnector fake(10'000'000);
    auto ctx = context_with(fake);
    auto scan = remote("SELECT n FROM t");
    auto even = unary(PlanNode::Kind::Filter, scan);
    even->predicate = op("=", op("%", col(0, Type::Int8), lit(Value::int8(2))), lit(Value::int8(0)));
    auto plan = limit(project(even, {op("*", col(0, Type::Int8), lit(Value::int8(10)))}), 3, 1);
    auto r = execute(plan, ctx);
    REQUIRE(r.ok());
    CHECK(*r == Strings{"20", "40", "60"});
    CHECK(fake.pulls == 1); // of 10M rows, one batch was fetched
    CHECK(fake.last_sql == "SELECT n FROM t");
    CHECK(fake.last_types == std::vector<Type>{Type::Int8});
    CHECK(ctx.memory_used_bytes == 0);
}

TEST_CASE("executor: a selective filter over a long remote result returns bounded batches") {
    FakeConnector fake(200'000);
    auto ctx = context_with(fake);
    auto filter = unary(PlanNode::Kind::Filter, remote("SELECT n FROM t"));
    filter->predicate = op("=", op("%", col(0, Type::Int8), lit(Value::int8(1000))), lit(Value::int8(0)));
    size_t max_batch = 0;
    auto r = execute(filter, ctx, &max_batch);
    REQUIRE(r.ok());
    CHECK(r->size() == 200);
    CHECK(max_batch <= Batch::kBatchRows);
    CHECK(ctx.memory_used_bytes == 0);
}

TEST_CASE("executor: Remote without a connector is a connection error") {
    ExecContext ctx;
    ctx.connector = [](std::string_view) -> Connector* { return nullptr; };
    auto r = execute(remote("SELECT 1"), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate.substr(0, 2) == "08");
    CHECK(r.error().message.find("fake") != std::string::npos);
}

TEST_CASE("executor: join types with equi keys, residuals and NULL keys") {
    auto left = values({Type::Int4, Type::Text}, {{I(1), T("x")}, {I(2), T("y")}, {N(), T("z")}, {I(3), T("w")}});
    auto right = values({Type::Int4, Type::Text},
                        {{I(1), T("p")}, {I(1), T("q")}, {I(3), T("r")}, {N(), T("s")}, {I(4), T("u")}});
    auto eq = op("=", col(0), col(2));
    Strings inner{"1|x|1|p", "1|x|1|q", "3|w|3|r"};
    Strings left_extra{"2|y|NULL|NULL", "NULL|z|NULL|NULL"};
    Strings right_extra{"NULL|NULL|4|u", "NULL|NULL|NULL|s"};
    auto plus = [](Strings a, const Strings& b) {
        a.insert(a.end(), b.begin(), b.end());
        return sorted(a);
    };
    CHECK(sorted(rows_of(join(JoinType::Inner, left, right, eq))) == sorted(inner));
    CHECK(sorted(rows_of(join(JoinType::Left, left, right, eq))) == plus(inner, left_extra));
    CHECK(sorted(rows_of(join(JoinType::Right, left, right, eq))) == plus(inner, right_extra));
    CHECK(sorted(rows_of(join(JoinType::Full, left, right, eq))) == plus(plus(inner, left_extra), right_extra));
    CHECK(sorted(rows_of(join(JoinType::Semi, left, right, eq))) == Strings{"1|x", "3|w"});
    CHECK(sorted(rows_of(join(JoinType::Anti, left, right, eq))) == Strings{"2|y", "NULL|z"});

    // Key on the right-hand side of "=" and a residual condition on both inputs.
    auto with_residual = make(Expr::Kind::And, {op("=", col(2), col(0)), op("<>", col(3, Type::Text), lit(T("q")))});
    CHECK(sorted(rows_of(join(JoinType::Inner, left, right, with_residual))) == Strings{"1|x|1|p", "3|w|3|r"});
    CHECK(sorted(rows_of(join(JoinType::Left, left, right, with_residual))) ==
          Strings{"1|x|1|p", "2|y|NULL|NULL", "3|w|3|r", "NULL|z|NULL|NULL"});
}

TEST_CASE("executor: joins without equi keys use a nested loop; cross join") {
    auto left = values({Type::Int4, Type::Text}, {{I(1), T("x")}, {I(2), T("y")}, {N(), T("z")}, {I(3), T("w")}});
    auto right = values({Type::Int4, Type::Text}, {{I(1), T("p")}, {I(3), T("r")}, {I(4), T("u")}});
    auto lt = op("<", col(0), col(2));
    CHECK(sorted(rows_of(join(JoinType::Inner, left, right, lt))) ==
          Strings{"1|x|3|r", "1|x|4|u", "2|y|3|r", "2|y|4|u", "3|w|4|u"});
    CHECK(rows_of(join(JoinType::Anti, left, right, lt)) == Strings{"NULL|z"});
    CHECK(sorted(rows_of(join(JoinType::Full, left, right, lt))) ==
          Strings{"1|x|3|r", "1|x|4|u", "2|y|3|r", "2|y|4|u", "3|w|4|u", "NULL|NULL|1|p", "NULL|z|NULL|NULL"});
    CHECK(rows_of(join(JoinType::Cross, left, right, nullptr)).size() == 12);
    auto empty = values({Type::Int4, Type::Text}, {});
    CHECK(rows_of(join(JoinType::Inner, left, empty, nullptr)).empty());
    CHECK(rows_of(join(JoinType::Left, left, empty, lt)).size() == 4);
}

TEST_CASE("executor: a join with many matches per row still returns bounded batches") {
    std::vector<Row> many;
    for (int i = 0; i < 1000; ++i)
        many.push_back({I(1), I(i)});
    auto left = values({Type::Int4}, {{I(1)}, {I(1)}, {I(1)}});
    auto right = values({Type::Int4, Type::Int4}, many);
    ExecContext ctx;
    size_t max_batch = 0;
    auto r = execute(join(JoinType::Inner, left, right, op("=", col(0), col(1))), ctx, &max_batch);
    REQUIRE(r.ok());
    CHECK(r->size() == 3000);
    CHECK(max_batch <= Batch::kBatchRows);
}

TEST_CASE("executor: past the memory limit a query fails with 53200 and gives its memory back") {
    FakeConnector fake(100'000);
    auto ctx = context_with(fake);
    ctx.memory_limit_bytes = 1u << 20;
    auto sort = unary(PlanNode::Kind::Sort, remote("SELECT n FROM t"));
    sort->sort_keys = {SortKey{col(0, Type::Int8), true, false}};
    auto r = execute(sort, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "53200");
    CHECK(r.error().message == "out of memory");
    CHECK(r.error().detail == "Query needs more than 1 MB of memory in Nectar (memory limit per query)");
    CHECK(ctx.memory_used_bytes == 0);

    // The same ORDER BY with a LIMIT keeps only the best rows and fits.
    FakeConnector fake2(100'000);
    auto ctx2 = context_with(fake2);
    ctx2.memory_limit_bytes = 1u << 20;
    auto top = execute(limit(sort, 2), ctx2);
    REQUIRE(top.ok());
    CHECK(*top == Strings{"99999", "99998"});
}

TEST_CASE("executor: hash aggregate, distinct and hash join builds count their memory") {
    auto over_limit = [](PlanPtr plan) {
        FakeConnector fake(100'000);
        auto ctx = context_with(fake);
        ctx.memory_limit_bytes = 1u << 20;
        auto r = execute(plan, ctx);
        CHECK(ctx.memory_used_bytes == 0);
        return !r.ok() && r.error().sqlstate == "53200";
    };
    auto groups = unary(PlanNode::Kind::Aggregate, remote("SELECT n FROM t"));
    groups->group_by = {col(0, Type::Int8)};
    CHECK(over_limit(groups));
    CHECK(over_limit(unary(PlanNode::Kind::Distinct, remote("SELECT n FROM t"))));
    CHECK(over_limit(join(JoinType::Inner, ints({1}), remote("SELECT n FROM t"),
                          op("=", cast_to_int8(col(0)), col(1, Type::Int8)))));
}

TEST_CASE("executor: uncorrelated subqueries") {
    auto one = ints({1});
    CHECK(rows_of(project(one, {subquery(Expr::SubKind::Scalar, ints({42}))})) == Strings{"42"});
    CHECK(rows_of(project(one, {subquery(Expr::SubKind::Scalar, ints({}))})) == Strings{"NULL"});
    ExecContext ctx;
    auto two = execute(project(one, {subquery(Expr::SubKind::Scalar, ints({1, 2}))}), ctx);
    REQUIRE_FALSE(two.ok());
    CHECK(two.error().sqlstate == "21000");
    CHECK(two.error().message == "more than one row returned by a subquery used as an expression");

    CHECK(rows_of(project(one, {subquery(Expr::SubKind::Exists, ints({})),
                                subquery(Expr::SubKind::Exists, ints({7, 8})),
                                subquery(Expr::SubKind::Exists, ints({}), {}, true)})) == Strings{"f|t|t"});

    // x IN (1, NULL) and x NOT IN (1, NULL) as subqueries.
    auto xs = ints({1, 2, std::nullopt});
    auto with_null = ints({1, std::nullopt, 1});
    CHECK(rows_of(project(xs, {subquery(Expr::SubKind::In, with_null, {col(0)}),
                               subquery(Expr::SubKind::In, with_null, {col(0)}, true)})) ==
          Strings{"t|f", "NULL|NULL", "NULL|NULL"});
    auto no_null = ints({3, 2});
    CHECK(rows_of(project(xs, {subquery(Expr::SubKind::In, no_null, {col(0)})})) == Strings{"f", "t", "NULL"});
    // Against an empty result IN is false and NOT IN true, even for NULL.
    CHECK(rows_of(project(xs, {subquery(Expr::SubKind::In, ints({}), {col(0)}),
                               subquery(Expr::SubKind::In, ints({}), {col(0)}, true)})) ==
          Strings{"f|t", "f|t", "f|t"});

    // A subquery inside a subquery's plan runs first.
    auto inner_filter = unary(PlanNode::Kind::Filter, ints({5, 6, 7}));
    inner_filter->predicate = op(">", col(0), subquery(Expr::SubKind::Scalar, ints({5})));
    auto filter = unary(PlanNode::Kind::Filter, ints({6, 7, 8}));
    filter->predicate = subquery(Expr::SubKind::In, inner_filter, {col(0)});
    CHECK(rows_of(filter) == Strings{"6", "7"});
}

TEST_CASE("executor: EXPLAIN ANALYZE statistics per node") {
    auto input = ints({1, 2, 3, 4, 5});
    auto filter = unary(PlanNode::Kind::Filter, input);
    filter->predicate = op(">", col(0), lit(I(2)));
    ExecContext ctx;
    ctx.collect_stats = true;
    auto r = execute(filter, ctx);
    REQUIRE(r.ok());
    CHECK(ctx.stats[filter.get()].rows == 3);
    CHECK(ctx.stats[input.get()].rows == 5);
    CHECK(ctx.stats[filter.get()].batches >= 1);
    CHECK(ctx.stats[filter.get()].elapsed >= ctx.stats[input.get()].elapsed);
}
