#pragma once
// What every session can reach: process-wide state shared by all workers, and its own worker's.

#include "federation/catalog/catalog.hpp"
#include "federation/engine.hpp"
#include "federation/router.hpp"
#include "protocol/scram.hpp"
#include "proxy/auto_prepare.hpp"
#include "proxy/cancel_registry.hpp"
#include "proxy/config.hpp"
#include "proxy/session_state.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace nectar::realtime {
class Hub;
}

namespace nectar::proxy {

struct UserCredential {
    protocol::ScramSecret scram;
    std::string password; ///< for cleartext password authentication over TLS
    std::vector<std::string> roles;
};

using UserMap = std::unordered_map<std::string, UserCredential>;

/// Process-wide, shared by all workers (immutable after start, or internally locked).
struct ProxyShared {
    Config config;
    /// Replaced whole on SIGHUP; a session keeps the map it read for its authentication.
    std::shared_ptr<const UserMap> users() const { return std::atomic_load(&users_); }
    void set_users(std::shared_ptr<const UserMap> users) { std::atomic_store(&users_, std::move(users)); }
    protocol::ScramSecret unknown_user_secret; ///< makes an unknown user fail like a wrong password
    std::unique_ptr<boost::asio::ssl::context> tls; ///< null without --tls-cert
    std::string tls_end_point;                      ///< channel binding data of our certificate
    /// Client-side TLS for server connections, per service (each may name its own CA).
    std::unordered_map<std::string, std::unique_ptr<boost::asio::ssl::context>> backend_tls;
    CancelRegistry cancels;
    /// Discovered tables per service, shared by every worker's engine.
    std::shared_ptr<federation::CatalogCache> catalog = std::make_shared<federation::CatalogCache>();
    StatementRegistry statements;
    std::atomic<bool> draining{false};
    std::atomic<int> sessions{0};
    /// The realtime hub for pg-wire LISTEN "service.table" (null until realtime is set up).
    realtime::Hub* hub = nullptr;
    /// Whether a service has native change capture (else its feeds poll).
    std::function<bool(std::string_view service)> native_capture;

  private:
    std::shared_ptr<const UserMap> users_ = std::make_shared<UserMap>();
};

class PgSession;

/// One worker thread's event loop and its pools.
struct Worker {
    /// One thread runs it and only that thread touches its sockets: no locking around socket I/O.
    boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    federation::Router router;
    std::unique_ptr<federation::Engine> engine; ///< this worker's connectors for every service
    ProxyShared* shared = nullptr;
    std::unordered_set<PgSession*> sessions; ///< touched only on this worker's thread
    AutoPrepareCache auto_prepared;          ///< shapes of simple queries seen (auto_prepare.hpp)
};

} // namespace nectar::proxy
