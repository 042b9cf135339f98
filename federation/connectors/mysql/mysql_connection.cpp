#include "federation/connectors/mysql/mysql_connection.hpp"

#include "federation/connectors/mysql/mysql_dialect.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <sys/socket.h>

namespace nectar::federation {

namespace {

using boost::system::error_code;

/// mysql_library_init is not thread-safe: once per process, before any worker connects.
void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

struct SqlstateOf {
    unsigned int errnum;
    const char* sqlstate;
};

// MySQL error numbers whose PostgreSQL SQLSTATE differs from what mysql_sqlstate() says.
constexpr SqlstateOf kSqlstates[] = {
    {1062, "23505"},
    {1586, "23505"},
    {1451, "23503"},
    {1452, "23503"},
    {1216, "23503"},
    {1217, "23503"},
    {1048, "23502"},
    {1364, "23502"},
    {1146, "42P01"},
    {1054, "42703"},
    {1064, "42601"},
    {1149, "42601"},
    {1050, "42P07"},
    {1060, "42701"},
    {1049, "3D000"},
    {1044, "42501"},
    {1142, "42501"},
    {1143, "42501"},
    {1045, "28P01"},
    {1040, "53300"},
    {1203, "53300"},
    {1213, "40P01"},
    {1205, "55P03"},
    {1317, "57014"},
    {3024, "57014"},
    {1969, "57014"},
    {1242, "21000"},
    {1264, "22003"},
    {1690, "22003"},
    {1365, "22012"},
    {1406, "22001"},
    {1292, "22007"},
    {1366, "22P02"},
    {4025, "23514"},
    {3819, "23514"},
    {1053, "57P01"},
    // Client-side errors: cannot reach the server (08001) or lost it (08006).
    {2002, "08001"},
    {2003, "08001"},
    {2005, "08001"},
    {2001, "08001"},
    {2026, "08001"},
    {2006, "08006"},
    {2013, "08006"},
    {2055, "08006"},
    {2014, "08006"},
    {2027, "08006"},
    {2057, "08006"},
};

} // namespace

std::string mysql_sqlstate_for(unsigned int errnum, std::string_view message, std::string_view fallback) {
    if (errnum == 1690 && message.find(kMysqlDivisionByZeroMarker) != std::string_view::npos) {
        return "22012"; // the dialect's division-by-zero check
    }
    for (const SqlstateOf& entry : kSqlstates) {
        if (entry.errnum == errnum) {
            return entry.sqlstate;
        }
    }
    if (errnum >= 2000 && errnum < 3000) {
        return "08006"; // any other client error leaves the connection unusable
    }
    // MySQL's own SQLSTATE where it is specific; "HY000" means "general error".
    if (fallback.size() == 5 && fallback != "HY000" && fallback != "00000") {
        return std::string(fallback);
    }
    return "XX000";
}

Error mysql_error_of(MYSQL* mysql) {
    unsigned int errnum = mysql_errno(mysql);
    std::string message = mysql_error(mysql);
    std::string sqlstate = mysql_sqlstate_for(errnum, message, mysql_sqlstate(mysql));
    if (sqlstate == "22012") {
        message = "division by zero";
    }
    Error e = Error::make(sqlstate, "mysql: " + message);
    if (errnum != 0) {
        e.detail = "MySQL error " + std::to_string(errnum);
    }
    return e;
}

MysqlConnection::MysqlConnection(asio::any_io_executor executor, MYSQL* mysql)
    : mysql_(mysql)
    , socket_(executor)
    , timer_(executor) {}

MysqlConnection::~MysqlConnection() {
    // The library owns the fd: take it away from the reactor without closing it.
    if (socket_.is_open()) {
        socket_.release();
    }
    mysql_close(mysql_);
}

void MysqlConnection::track_socket() {
    int fd = static_cast<int>(mysql_get_socket(mysql_));
    if (socket_.is_open() && socket_.native_handle() != fd) {
        socket_.release();
    }
    if (!socket_.is_open() && fd >= 0) {
        error_code ec;
        socket_.assign(fd, ec);
    }
}

asio::awaitable<int> MysqlConnection::wait(int status) {
    track_socket();
    auto initiate = [this, status](auto handler) {
        using Handler = decltype(handler);
        struct State {
            Handler handler;
            int pending = 0;
            int ready = 0;
            bool fired = false;
        };
        auto state = std::make_shared<State>(State{std::move(handler)});
        // The first event cancels the other waits; the caller resumes once all have completed.
        auto done = [this, state](int bit, const error_code& ec) {
            if (!ec) {
                state->ready |= bit;
            }
            if (!state->fired) {
                state->fired = true;
                error_code ignored;
                socket_.cancel(ignored);
                timer_.cancel();
            }
            if (--state->pending == 0) {
                Handler h = std::move(state->handler);
                h(state->ready);
            }
        };
        if ((status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT)) && socket_.is_open()) {
            state->pending++;
            socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                               [done](const error_code& ec) { done(MYSQL_WAIT_READ, ec); });
        }
        if ((status & MYSQL_WAIT_WRITE) && socket_.is_open()) {
            state->pending++;
            socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                               [done](const error_code& ec) { done(MYSQL_WAIT_WRITE, ec); });
        }
        if (status & MYSQL_WAIT_TIMEOUT) {
            state->pending++;
            timer_.expires_after(std::chrono::milliseconds(mysql_get_timeout_value_ms(mysql_)));
            timer_.async_wait([done](const error_code& ec) { done(MYSQL_WAIT_TIMEOUT, ec); });
        }
        if (state->pending == 0) {
            // Nothing to wait on (no socket yet): let the library retry, and report a timeout.
            asio::post(socket_.get_executor(), [state] {
                Handler h = std::move(state->handler);
                h(MYSQL_WAIT_TIMEOUT);
            });
        }
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(int)>(initiate,
                                                                                       asio::use_awaitable);
}

asio::awaitable<Result<std::unique_ptr<MysqlConnection>>>
MysqlConnection::open(asio::any_io_executor executor, const ServiceUrl& url,
                      std::chrono::milliseconds timeout) {
    init_library_once();
    MYSQL* mysql = mysql_init(nullptr);
    if (mysql == nullptr) {
        co_return Error::make("53200", "mysql: out of memory creating a connection");
    }
    std::unique_ptr<MysqlConnection> conn(new MysqlConnection(executor, mysql));
    mysql_options(mysql, MYSQL_OPT_NONBLOCK, nullptr);
    unsigned int seconds = static_cast<unsigned int>(std::max<int64_t>(1, (timeout.count() + 999) / 1000));
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");

    // An absolute path as the host is the server's unix socket file.
    bool unix_socket = !url.host.empty() && url.host[0] == '/';
    std::string host = unix_socket ? "localhost" : (url.host.empty() ? "127.0.0.1" : url.host);
    unsigned int port = url.port > 0 ? static_cast<unsigned int>(url.port) : 3306;
    // "localhost" means TCP here, as in PostgreSQL URLs (the library would pick its default socket).
    unsigned int protocol = unix_socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
    mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    // CLIENT_FOUND_ROWS: UPDATE reports the rows it matched, as PostgreSQL does.
    MYSQL* ret = nullptr;
    int status = mysql_real_connect_start(&ret, mysql, host.c_str(), url.user.c_str(), url.password.c_str(),
                                          url.database.empty() ? nullptr : url.database.c_str(), port,
                                          unix_socket ? url.host.c_str() : nullptr, CLIENT_FOUND_ROWS);
    while (status != 0) {
        int ready = co_await conn->wait(status);
        status = mysql_real_connect_cont(&ret, mysql, ready);
    }
    if (ret == nullptr) {
        Error e = mysql_error_of(mysql);
        if (mysql_errno(mysql) >= 2000 && mysql_errno(mysql) < 3000) {
            e.sqlstate = "08001"; // could not establish the connection
        }
        co_return e;
    }
    conn->track_socket();
    for (const char* const* setup = kMysqlSessionSetup; *setup != nullptr; ++setup) {
        auto done = co_await conn->real_query(*setup);
        if (!done) {
            co_return done.error();
        }
    }
    co_return std::move(conn);
}

asio::awaitable<Result<void>> MysqlConnection::real_query(std::string_view sql) {
    int ret = 0;
    int status = mysql_real_query_start(&ret, mysql_, sql.data(), static_cast<unsigned long>(sql.size()));
    while (status != 0) {
        int ready = co_await wait(status);
        status = mysql_real_query_cont(&ret, mysql_, ready);
    }
    if (ret != 0) {
        Error e = mysql_error_of(mysql_);
        broken = broken || e.sqlstate.rfind("08", 0) == 0;
        co_return e;
    }
    co_return Result<void>();
}

asio::awaitable<MYSQL_ROW> MysqlConnection::fetch_row(MYSQL_RES* result) {
    MYSQL_ROW row = nullptr;
    int status = mysql_fetch_row_start(&row, result);
    while (status != 0) {
        int ready = co_await wait(status);
        status = mysql_fetch_row_cont(&row, result, ready);
    }
    co_return row;
}

asio::awaitable<void> MysqlConnection::free_result(MYSQL_RES* result) {
    int status = mysql_free_result_start(result);
    while (status != 0) {
        int ready = co_await wait(status);
        status = mysql_free_result_cont(result, ready);
    }
}

asio::awaitable<Result<bool>> MysqlConnection::next_result() {
    int ret = 0;
    int status = mysql_next_result_start(&ret, mysql_);
    while (status != 0) {
        int ready = co_await wait(status);
        status = mysql_next_result_cont(&ret, mysql_, ready);
    }
    if (ret > 0) {
        Error e = mysql_error_of(mysql_);
        broken = broken || e.sqlstate.rfind("08", 0) == 0;
        co_return e;
    }
    co_return ret == 0;
}

asio::awaitable<Result<std::vector<MysqlConnection::TextRow>>>
MysqlConnection::query_all(std::string_view sql) {
    auto sent = co_await real_query(sql);
    if (!sent) {
        co_return sent.error();
    }
    std::vector<TextRow> rows;
    MYSQL_RES* result = mysql_use_result(mysql_);
    if (result == nullptr) {
        if (mysql_errno(mysql_) != 0) {
            broken = true;
            co_return mysql_error_of(mysql_);
        }
        co_return rows; // a statement without a result set
    }
    unsigned int columns = mysql_num_fields(result);
    for (;;) {
        MYSQL_ROW row = co_await fetch_row(result);
        if (row == nullptr) {
            break;
        }
        unsigned long* lengths = mysql_fetch_lengths(result);
        TextRow& out = rows.emplace_back(columns);
        for (unsigned int i = 0; i < columns; ++i) {
            if (row[i] != nullptr) {
                out[i].emplace(row[i], lengths[i]);
            }
        }
    }
    bool failed = mysql_errno(mysql_) != 0;
    Error error = failed ? mysql_error_of(mysql_) : Error{};
    co_await free_result(result);
    if (failed) {
        broken = true;
        co_return error;
    }
    co_return rows;
}

void MysqlConnection::abort_socket() {
    broken = true;
    int fd = static_cast<int>(mysql_get_socket(mysql_));
    if (fd >= 0) {
        ::shutdown(fd, SHUT_RDWR);
    }
}

bool MysqlConnection::looks_alive() const {
    int fd = static_cast<int>(mysql_get_socket(mysql_));
    if (broken || fd < 0) {
        return false;
    }
    char byte;
    ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // Nothing to read is the only healthy state for an idle connection.
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

} // namespace nectar::federation
