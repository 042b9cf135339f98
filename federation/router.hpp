#pragma once
// Which service a statement goes to. In this first stage every statement goes to the session's
// service (SPEC §2); the federated planner replaces this with per-statement plans.

#include "federation/connectors/postgres/pg_pool.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace nectar::federation {

/// The services of one worker: each service's pool on that worker.
class Router {
  public:
    void add_service(std::unique_ptr<PgPool> pool);
    void set_default_service(const std::string& name) { default_service_ = name; }

    PgPool* find(std::string_view service) const;
    /// The service a session uses: the startup packet's database when it names a service,
    /// else the default service (SPEC §2).
    PgPool* session_service(std::string_view database) const;

    void start();
    void stop();

  private:
    std::map<std::string, std::unique_ptr<PgPool>, std::less<>> pools_;
    std::string default_service_;
};

} // namespace nectar::federation
