#pragma once
// What the config tests share: a temp dir for files, loading a command line, and checking the
// one message a bad one gets.

#include "proxy/config.hpp"

#include <doctest.h>
#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <string>
#include <vector>

namespace nectar::proxy::testing {

/// A directory under /tmp removed with everything in it at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nectar-config-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& content) const {
        std::string file = (path_ / name).string();
        std::ofstream(file) << content;
        return file;
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

inline std::vector<const char*> argv_of(std::vector<std::string>& args) {
    args.insert(args.begin(), "nectar");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return argv;
}

inline Config load(std::vector<std::string> args, int* exit_code = nullptr) {
    auto argv = argv_of(args);
    int ignored = -1;
    return load_config(static_cast<int>(argv.size()), argv.data(), exit_code ? exit_code : &ignored);
}

/// The message of the ConfigError that loading `args` must throw.
inline std::string load_error(std::vector<std::string> args) {
    try {
        load(std::move(args));
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("no ConfigError");
    return {};
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_ERROR(args, ...)                                                                               \
    do {                                                                                                     \
        std::string message_ = load_error(args);                                                             \
        for (const char* part_ : {__VA_ARGS__}) {                                                            \
            CHECK_MESSAGE(contains(message_, part_), (message_ + " lacks " + part_));                        \
        }                                                                                                    \
    } while (false)

using Args = std::vector<std::string>;

} // namespace nectar::proxy::testing
