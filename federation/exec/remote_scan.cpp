// The planner's leaves: one SELECT on one service, streamed batch by batch from its connector.

#include "federation/exec/operators.hpp"

namespace nectar::federation::exec {
namespace {

class RemoteScan final : public Operator {
  public:
    RemoteScan(const PlanNode& node, ExecContext& ctx)
        : node_(node)
        , ctx_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        for (;;) {
            if (!stream_) {
                auto opened = co_await open();
                if (!opened)
                    co_return opened.error();
            }
            const size_t before = batch.rows.size();
            auto r = co_await stream_->next(batch);
            if (node_.columns.empty()) { // "SELECT 1 FROM ...": only the row count matters
                for (size_t i = before; i < batch.rows.size(); i++)
                    batch.rows[i].clear();
            }
            if (!r || *r || next_sql_ >= sqls_.size())
                co_return r;
            stream_.reset(); // this key batch is done: the next one follows
            if (!batch.rows.empty())
                co_return true;
        }
    }

  private:
    // The query starts on the first next(): building the tree sends nothing to a backend.
    boost::asio::awaitable<Result<void>> open() {
        Connector* connector = ctx_.connector ? ctx_.connector(node_.service) : nullptr;
        if (!connector) {
            auto e = Error::make("08003", "service \"" + node_.service + "\" is not connected");
            e.detail = "No connector for this service is available on this worker.";
            co_return e;
        }
        std::vector<Type> types;
        types.reserve(node_.columns.size());
        for (const auto& c : node_.columns)
            types.push_back(c.type);
        if (types.empty())
            types.push_back(Type::Int4); // the renderer selects the constant 1 when no column is read
        if (sqls_.empty()) {
            auto rewrite = ctx_.remote_rewrites.find(&node_);
            rewritten_ = rewrite != ctx_.remote_rewrites.end();
            sqls_ = rewritten_ ? rewrite->second : std::vector<std::string>{node_.remote_sql};
        }
        static const BoundSql kUnbound;
        const BoundSql& bound = rewritten_ ? kUnbound : node_.remote_bound; // rewrites change the text
        auto stream = co_await connector->query_bound(bound, sqls_[next_sql_++], std::move(types));
        if (!stream)
            co_return stream.error();
        stream_ = std::move(*stream);
        co_return Result<void>{};
    }

    const PlanNode& node_;
    ExecContext& ctx_;
    std::unique_ptr<RowStream> stream_;
    std::vector<std::string> sqls_; ///< the SQL, or a semi-join reduction's key batches
    bool rewritten_ = false;        ///< sqls_ is not the node's own statement
    size_t next_sql_ = 0;
};

} // namespace

OperatorPtr make_remote_scan(const PlanNode& node, ExecContext& ctx) {
    return std::make_unique<RemoteScan>(node, ctx);
}

} // namespace nectar::federation::exec
