#pragma once
// The command line of SPEC §1 as given: flags parsed by CLI11, kept apart from the config file so
// that SIGHUP can lay them over a re-read file (config.cpp merges both).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nectar::proxy {

/// The command line as given, kept so that SIGHUP can lay it over a re-read file.
struct CommandLine {
    std::map<std::string, std::string> scalars; ///< TOML key ("pg-listen", ...) -> flag value
    std::optional<bool> demo;
    std::vector<std::string> services;
    std::vector<std::string> users;
    std::vector<std::string> api_keys;
    std::optional<std::string> config_file;
};

/// Returns nothing when --help or --version was handled (and printed if `print` is set).
std::optional<CommandLine> parse_command_line(int argc, const char* const* argv, bool print);

} // namespace nectar::proxy
