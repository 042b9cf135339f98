#include "realtime/poll_capture.hpp"

#include "federation/engine.hpp"
#include "realtime/poll_diff.hpp"
#include "rest/table_query.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::realtime {

namespace asio = boost::asio;
using federation::Row;

namespace {

/// Keeps every row of a result.
class CollectSink final : public federation::ResultSink {
  public:
    void row_description(const std::vector<federation::OutputColumn>&) override {}
    void data_row(const Row& row) override { rows.push_back(row); }
    void command_complete(const std::string&) override {}
    void empty_query() override {}
    asio::awaitable<void> maybe_flush() override { co_return; }

    std::vector<Row> rows;
};

std::vector<int> key_columns(const federation::TableInfo& table) {
    std::vector<int> keys;
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].primary_key) {
            keys.push_back(static_cast<int>(i));
        }
    }
    return keys;
}

} // namespace

struct PollCapture::State : std::enable_shared_from_this<State> {
    asio::any_io_executor executor;
    federation::Engine& engine;
    FeedSpec spec;
    std::shared_ptr<CaptureSink> sink;
    PollDiff diff;
    asio::steady_timer timer;
    bool stopped = false; ///< touched on the executor only
    int64_t round = 0;

    State(asio::any_io_executor e, federation::Engine& en, FeedSpec s, std::shared_ptr<CaptureSink> k)
        : executor(e)
        , engine(en)
        , spec(std::move(s))
        , sink(std::move(k))
        , diff(key_columns(spec.table))
        , timer(e) {}

    asio::awaitable<void> run() {
        auto self = shared_from_this(); // the loop keeps the state alive
        rest::TableRef ref{spec.service, &spec.table, nullptr};
        auto interval = std::chrono::milliseconds(spec.poll_interval_ms);
        auto next = std::chrono::steady_clock::now();
        while (!stopped) {
            co_await poll_once(ref);
            // Fixed rate: a slow query delays the next round, it does not shift every later one.
            next += interval;
            auto now = std::chrono::steady_clock::now();
            if (next < now) {
                next = now;
            }
            timer.expires_at(next);
            boost::system::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    asio::awaitable<void> poll_once(const rest::TableRef& ref) {
        CollectSink rows;
        auto plan = rest::scan_of(ref);
        auto done = co_await engine.run_plan(plan, rows);
        if (stopped) {
            co_return;
        }
        if (!done) {
            spdlog::warn("realtime: polling {}.{} failed: {}", spec.service, spec.table.name, done.error().message);
            sink->failed(done.error());
            co_return;
        }
        auto found = diff.apply(std::move(rows.rows), now_pg_epoch_us(), "poll:" + std::to_string(++round));
        bool changed = found.changed();
        if (found.first) {
            // Live only once the baseline is read: a change committed after a subscriber was
            // told so must differ from the baseline, or it would never be reported.
            sink->live();
        }
        if (!found.changes.empty()) {
            sink->changes(std::move(found.changes));
        }
        if (changed) {
            sink->snapshot(diff.rows());
        }
    }
};

PollCapture::PollCapture(asio::any_io_executor executor, federation::Engine& engine, FeedSpec spec,
                         std::shared_ptr<CaptureSink> sink)
    : state_(std::make_shared<State>(executor, engine, std::move(spec), std::move(sink))) {}

PollCapture::~PollCapture() { stop(); }

void PollCapture::start() {
    auto state = state_;
    asio::co_spawn(state->executor, [state]() { return state->run(); }, asio::detached);
}

void PollCapture::stop() {
    asio::post(state_->executor, [state = state_] {
        state->stopped = true;
        state->timer.cancel();
    });
}

} // namespace nectar::realtime
