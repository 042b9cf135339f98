#include "realtime/subscription_request.hpp"

#include "federation/engine.hpp"
#include "rest/exposure_store.hpp"
#include "rest/filter.hpp"

namespace nectar::realtime {

boost::asio::awaitable<Result<ResolvedSubscription>>
resolve_subscription(const SubscribeFrame& frame, federation::Engine& engine, const rest::ExposureStore& exposures,
                     const std::function<bool(std::string_view)>& native_capture, int default_poll_interval_ms) {
    auto catalog = co_await engine.catalog();
    if (!catalog) {
        co_return catalog.error();
    }
    const federation::ServiceTables* tables = (*catalog)->service(frame.service);
    if (tables == nullptr || !engine.has_service(frame.service)) {
        co_return Error::make("3D000", "service \"" + frame.service + "\" does not exist");
    }
    const federation::TableInfo* found = tables->find_table(frame.table);
    if (found == nullptr || !exposures.is_exposed(frame.service, frame.table)) {
        co_return Error::make("42P01", "table \"" + frame.table + "\" " + (found ? "is not exposed" : "does not exist") +
                                           " in service \"" + frame.service + "\"" +
                                           (found ? " (POST /api/v2/" + frame.service + "/_expose to serve it)" : ""));
    }
    federation::ExprPtr filter;
    if (!frame.filter.empty()) {
        auto bound = rest::bind_filter(frame.filter, found->columns);
        if (!bound) {
            co_return bound.error();
        }
        filter = std::move(*bound);
    }
    const std::string& kind = engine.service_kind(frame.service);
    bool native = native_capture(frame.service);
    if (frame.mode == std::optional<std::string>("trigger") && !native) {
        co_return Error::make("0A000", "service \"" + frame.service + "\" (" + kind +
                                           ") has no native change capture yet: subscribe with \"mode\":\"poll\"");
    }
    FeedSpec spec;
    spec.service = frame.service;
    spec.service_kind = kind;
    spec.table = *found;
    spec.poll = frame.mode ? *frame.mode == "poll" : !native;
    spec.poll_interval_ms = spec.poll ? static_cast<int>(frame.poll_interval_ms.value_or(default_poll_interval_ms)) : 0;
    co_return ResolvedSubscription{std::move(spec), EventFilter(frame.events, std::move(filter))};
}

} // namespace nectar::realtime
