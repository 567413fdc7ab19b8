#pragma once
// A record's fields (core/fields.hpp) as command-line options: --name with '-' for '_', flags
// for booleans, --name / --no-name for an unset-able boolean, the choices checked by CLI11.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "lsc/core/fields.hpp"

namespace lsc::cli {

inline std::string option_name(const std::string& field, const std::string& prefix = "") {
  std::string out = "--" + prefix + field;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

// Registers every field of `fields` on cmd, bound to `record`, except those named in `skip`;
// prefix goes before each name (--bars-pi for the bars' pi).
template <class T>
void add_fields(CLI::App* cmd, T& record, const Fields<T>& fields, const std::vector<std::string>& skip = {},
                const std::string& prefix = "") {
  for (const Field<T>& f : fields) {
    if (std::find(skip.begin(), skip.end(), f.name) != skip.end()) continue;
    const std::string name = option_name(f.name, prefix);
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, TextField<T>>) {
            CLI::Option* o = cmd->add_option_function<std::string>(
                name, [&record, set = m.set](const std::string& v) { set(record, v); }, f.help);
            if (!f.choices.empty()) o->check(CLI::IsMember(f.choices));
          } else {
            using V = std::decay_t<decltype(field_ref(record, m))>;
            if constexpr (std::is_same_v<V, bool>) {
              cmd->add_flag(name, field_ref(record, m), f.help);
            } else if constexpr (std::is_same_v<V, std::optional<bool>>) {
              V* target = &field_ref(record, m);
              CLI::Option* on = cmd->add_flag_callback(name, [target] { *target = true; }, f.help);
              CLI::Option* off = cmd->add_flag_callback("--no-" + name.substr(2), [target] { *target = false; },
                                                        "the opposite of " + name);
              on->excludes(off);
            } else if constexpr (std::is_same_v<V, std::vector<Real>> || std::is_same_v<V, nlohmann::json>) {
              // results, not options
            } else {
              CLI::Option* o = cmd->add_option(name, field_ref(record, m), f.help);
              if (f.has(zero_is_unset))
                o->check(CLI::Validator(
                    [name](const std::string& v) {
                      char* end = nullptr;
                      const double x = std::strtod(v.c_str(), &end);
                      return end != v.c_str() && *end == '\0' && x == 0
                                 ? "0 is no value of " + name + ", whose default is chosen by lsc; leave " + name +
                                       " out for the default"
                                 : std::string();
                    },
                    ""));
              else if constexpr (!fields_detail::is_optional<V>::value)
                o->capture_default_str();
              if (!f.choices.empty()) o->check(CLI::IsMember(f.choices));
            }
          }
        },
        f.member);
  }
}

}  // namespace lsc::cli
