#include "realtime/pq_connection.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <libpq-fe.h>

namespace nectar::realtime {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::string trimmed(const char* message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

/// Waits for `socket` to be ready, at most until `deadline`; false when it timed out or was cancelled.
asio::awaitable<bool> wait_ready(asio::posix::stream_descriptor& socket, asio::posix::descriptor_base::wait_type type,
                                 Clock::time_point deadline) {
    asio::steady_timer timer(socket.get_executor());
    timer.expires_at(deadline);
    // The flag keeps a late timer handler from touching a socket the coroutine has moved past.
    auto armed = std::make_shared<bool>(true);
    timer.async_wait([&socket, armed](boost::system::error_code ec) {
        if (!ec && *armed) {
            socket.cancel();
        }
    });
    boost::system::error_code ec;
    co_await socket.async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
    *armed = false;
    timer.cancel();
    co_return !ec;
}

} // namespace

PqConnection::PqConnection(asio::any_io_executor executor, pg_conn* conn)
    : executor_(executor)
    , conn_(conn)
    , socket_(executor, PQsocket(conn)) {}

PqConnection::~PqConnection() {
    socket_.release(); // libpq owns the descriptor
    PQfinish(conn_);
}

asio::awaitable<Result<std::unique_ptr<PqConnection>>>
PqConnection::connect(asio::any_io_executor executor, const Params& params, std::chrono::milliseconds timeout) {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [key, value] : params) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    std::unique_ptr<pg_conn, decltype(&PQfinish)> conn(PQconnectStartParams(keys.data(), values.data(), 0), PQfinish);
    if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) {
        co_return Error::make("08001", conn ? trimmed(PQerrorMessage(conn.get())) : "out of memory");
    }
    auto deadline = Clock::now() + timeout;
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
        if (status == PGRES_POLLING_FAILED) {
            co_return Error::make("08001", trimmed(PQerrorMessage(conn.get())));
        }
        // libpq may open a new socket while it tries addresses or TLS modes: watch the current one.
        asio::posix::stream_descriptor socket(executor, PQsocket(conn.get()));
        bool ready = co_await wait_ready(socket,
                                         status == PGRES_POLLING_READING ? asio::posix::descriptor_base::wait_read
                                                                         : asio::posix::descriptor_base::wait_write,
                                         deadline);
        socket.release();
        if (!ready) {
            co_return Error::make("08001", "timed out connecting after " + std::to_string(timeout.count()) + " ms");
        }
        status = PQconnectPoll(conn.get());
    }
    if (PQsetnonblocking(conn.get(), 1) != 0) {
        co_return Error::make("08001", trimmed(PQerrorMessage(conn.get())));
    }
    co_return std::unique_ptr<PqConnection>(new PqConnection(executor, conn.release()));
}

asio::awaitable<bool> PqConnection::wait(Wait what, Clock::time_point deadline) {
    return wait_ready(socket_,
                      what == Wait::read ? asio::posix::descriptor_base::wait_read
                                         : asio::posix::descriptor_base::wait_write,
                      deadline);
}

void PqConnection::interrupt() { socket_.cancel(); }

Error PqConnection::last_error(const char* sqlstate) const {
    return Error::make(sqlstate, trimmed(PQerrorMessage(conn_)));
}

asio::awaitable<Result<void>> PqConnection::flush() {
    for (;;) {
        int pending = PQflush(conn_);
        if (pending == 0) {
            co_return Result<void>();
        }
        if (pending < 0) {
            co_return last_error();
        }
        bool ready = co_await wait(Wait::write, Clock::now() + std::chrono::seconds(30));
        if (!ready) {
            co_return Error::make("08006", "timed out writing to the server");
        }
    }
}

asio::awaitable<Result<PqConnection::Rows>> PqConnection::query(const std::string& sql) {
    if (PQsendQuery(conn_, sql.c_str()) == 0) {
        co_return last_error();
    }
    auto flushed = co_await flush();
    if (!flushed) {
        co_return flushed.error();
    }
    Rows rows;
    std::optional<Error> failure;
    for (;;) {
        if (PQconsumeInput(conn_) == 0) {
            co_return last_error();
        }
        while (PQisBusy(conn_) == 0) {
            PGresult* result = PQgetResult(conn_);
            if (result == nullptr) {
                if (failure) {
                    co_return *failure;
                }
                co_return rows;
            }
            ExecStatusType status = PQresultStatus(result);
            if (status == PGRES_TUPLES_OK) {
                for (int r = 0; r < PQntuples(result); r++) {
                    auto& row = rows.emplace_back();
                    for (int c = 0; c < PQnfields(result); c++) {
                        row.push_back(PQgetisnull(result, r, c) ? std::nullopt
                                                                : std::optional<std::string>(PQgetvalue(result, r, c)));
                    }
                }
            } else if (status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY && !failure) {
                const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
                failure = Error::make(state ? state : "XX000", trimmed(PQresultErrorMessage(result)));
            }
            PQclear(result);
        }
        bool ready = co_await wait(Wait::read, Clock::now() + std::chrono::seconds(60));
        if (!ready) {
            co_return Error::make("57014", "no answer from the server within 60 s to: " + sql);
        }
    }
}

asio::awaitable<Result<void>> PqConnection::start_copy_both(const std::string& sql) {
    if (PQsendQuery(conn_, sql.c_str()) == 0) {
        co_return last_error();
    }
    auto flushed = co_await flush();
    if (!flushed) {
        co_return flushed.error();
    }
    for (;;) {
        if (PQconsumeInput(conn_) == 0) {
            co_return last_error();
        }
        if (PQisBusy(conn_) == 0) {
            PGresult* result = PQgetResult(conn_);
            if (result == nullptr) {
                co_return Error::make("08P01", "the server ended \"" + sql + "\" without streaming");
            }
            std::unique_ptr<PGresult, decltype(&PQclear)> owned(result, PQclear);
            if (PQresultStatus(result) == PGRES_COPY_BOTH) {
                co_return Result<void>();
            }
            const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
            co_return Error::make(state ? state : "XX000", trimmed(PQresultErrorMessage(result)));
        }
        bool ready = co_await wait(Wait::read, Clock::now() + std::chrono::seconds(60));
        if (!ready) {
            co_return Error::make("57014", "no answer from the server within 60 s to: " + sql);
        }
    }
}

asio::awaitable<Result<std::optional<std::string>>> PqConnection::read_copy(Clock::time_point deadline) {
    for (;;) {
        char* buffer = nullptr;
        int length = PQgetCopyData(conn_, &buffer, 1);
        if (length > 0) {
            std::string message(buffer, static_cast<size_t>(length));
            PQfreemem(buffer);
            co_return std::optional<std::string>(std::move(message));
        }
        if (length == -1) {
            // The server ended the stream: its reason is in the result that follows.
            std::string reason = "the server ended replication";
            while (PGresult* result = PQgetResult(conn_)) {
                if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_COPY_OUT) {
                    reason = trimmed(PQresultErrorMessage(result));
                }
                PQclear(result);
            }
            co_return Error::make("08006", reason);
        }
        if (length == -2) {
            co_return last_error();
        }
        bool ready = co_await wait(Wait::read, deadline);
        if (!ready) {
            co_return std::optional<std::string>();
        }
        if (PQconsumeInput(conn_) == 0) {
            co_return last_error();
        }
    }
}

asio::awaitable<Result<void>> PqConnection::write_copy(const std::string& data) {
    for (;;) {
        int sent = PQputCopyData(conn_, data.data(), static_cast<int>(data.size()));
        if (sent < 0) {
            co_return last_error();
        }
        if (sent == 1) {
            break;
        }
        bool ready = co_await wait(Wait::write, Clock::now() + std::chrono::seconds(30));
        if (!ready) {
            co_return Error::make("08006", "timed out writing to the server");
        }
    }
    auto flushed = co_await flush();
    co_return flushed;
}

std::string PqConnection::quote_identifier(const std::string& name) const {
    char* quoted = PQescapeIdentifier(conn_, name.c_str(), name.size());
    std::string out = quoted ? quoted : "\"\"";
    PQfreemem(quoted);
    return out;
}

std::string PqConnection::quote_literal(const std::string& text) const {
    char* quoted = PQescapeLiteral(conn_, text.c_str(), text.size());
    std::string out = quoted ? quoted : "''";
    PQfreemem(quoted);
    return out;
}

} // namespace nectar::realtime
