#pragma once
// An error as PostgreSQL reports it: the fields of an ErrorResponse. Used on every data path.

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace nectar {

struct Error {
    std::string severity = "ERROR"; ///< ERROR, FATAL or PANIC (also the non-localized 'V' field)
    std::string sqlstate = "XX000";
    std::string message;
    std::string detail;
    std::string hint;
    int position = 0; ///< 1-based character position in the statement, 0 when unknown
    /// Other ErrorResponse fields by their code (W where, s schema, t table, n constraint...).
    std::vector<std::pair<char, std::string>> other_fields;

    static Error make(std::string sqlstate, std::string message, std::string severity = "ERROR") {
        Error e;
        e.sqlstate = std::move(sqlstate);
        e.message = std::move(message);
        e.severity = std::move(severity);
        return e;
    }
};

/// A value or an Error: what the data path returns instead of throwing.
template <typename T> class Result {
  public:
    Result(T value) requires(!std::is_same_v<T, Error>)
        : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error)
        : v_(std::in_place_index<1>, std::move(error)) {}
    /// A success value; the only way to make a successful Result<Error> (a parsed ErrorResponse).
    Result(std::in_place_t, T value)
        : v_(std::in_place_index<0>, std::move(value)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

/// Success or an Error, for operations with no value. Success holds no Error: executors
/// return one per row, and building and destroying an Error's strings each time showed in profiles.
template <> class Result<void> {
  public:
    Result() = default;
    Result(Error error)
        : error_(std::make_unique<Error>(std::move(error))) {}
    Result(const Result& other)
        : error_(other.error_ ? std::make_unique<Error>(*other.error_) : nullptr) {}
    Result(Result&&) noexcept = default;
    Result& operator=(const Result& other) {
        error_ = other.error_ ? std::make_unique<Error>(*other.error_) : nullptr;
        return *this;
    }
    Result& operator=(Result&&) noexcept = default;

    bool ok() const { return error_ == nullptr; }
    explicit operator bool() const { return ok(); }
    /// Only on failure (as for Result<T>).
    const Error& error() const { return *error_; }

  private:
    std::unique_ptr<Error> error_;
};

} // namespace nectar
