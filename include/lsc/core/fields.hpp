#pragma once
// A record's schema, declared once: each field's name, member, help and accepted values. The
// JSON of model.json, summary.json and checkpoints, the CSV of metrics.csv, the CLI's options
// (apps/lsc/options.hpp) and the Python properties (python/src/fields.hpp) all loop over it, so
// adding a column or an option is one line in src/run/records.cpp.
//
// Names are snake_case as the papers write them (tau_A, u0, pi): the JSON key and CSV column as
// is, the CLI option with '-' for '_' (--tau-A), the Python attribute as is except `lambda`,
// a Python keyword, which is `lam`.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/core/types.hpp"

namespace lsc {

// A field stored in some other type (an enum, say), read and written as text; "" is "not set".
template <class T>
struct TextField {
  std::function<std::string(const T&)> get;
  std::function<void(T&, const std::string&)> set;
};

// A field inside a member (PatchDataOptions::patches.size): ref gives the value's place.
template <class T, class V>
struct NestedField {
  V& (*ref)(T&);
};

template <class T>
using FieldMember =
    std::variant<Real T::*, Index T::*, std::uint64_t T::*, int T::*, bool T::*, std::string T::*,
                 std::optional<Real> T::*, std::optional<std::uint64_t> T::*, std::optional<Index> T::*,
                 std::optional<bool> T::*, std::vector<Real> T::*, nlohmann::json T::*, TextField<T>,
                 NestedField<T, int>, NestedField<T, std::uint64_t>>;

namespace fields_detail {
template <class M>
struct is_nested : std::false_type {};
template <class T, class V>
struct is_nested<NestedField<T, V>> : std::true_type {};
}  // namespace fields_detail

// The value a (non-text) field names in a record.
template <class T, class M>
decltype(auto) field_ref(T& record, const M& m) {
  if constexpr (fields_detail::is_nested<M>::value)
    return m.ref(record);
  else
    return (record.*m);
}
template <class T, class M>
decltype(auto) field_ref(const T& record, const M& m) {
  if constexpr (fields_detail::is_nested<M>::value) {
    const auto& value = m.ref(const_cast<T&>(record));  // ref only locates the value; nothing is written
    return value;
  } else {
    return (record.*m);
  }
}

// What a field's flags say.
enum FieldFlag : unsigned {
  // Changes how a run is executed, not what it computes (threads, how often it reports): left
  // out of model.json's "config" and of the settings a checkpoint must match.
  execution_field = 1u << 0,
  // A column that may be missing in files written before it existed (read as the default), and
  // is left out when every row holds NaN (the ELBO outside svae).
  optional_column = 1u << 1,
  // A number whose 0 in the record means "not set: resolve_defaults chooses" (the time constants,
  // σ, the batch). A user's explicit 0 would silently become the default, so the front ends refuse
  // it (CLI) or read it as None (Python).
  zero_is_unset = 1u << 2,
};

template <class T>
struct Field {
  Field(std::string name, FieldMember<T> member, std::string help, std::vector<std::string> choices = {},
        unsigned flags = 0)
      : name(std::move(name)), member(std::move(member)), help(std::move(help)), choices(std::move(choices)),
        flags(flags) {}

  std::string name;
  FieldMember<T> member;
  std::string help;
  std::vector<std::string> choices;  // text fields: the accepted values ("" is the default)
  unsigned flags;

  bool has(FieldFlag f) const { return (flags & f) != 0; }
};

template <class T>
using Fields = std::vector<Field<T>>;

namespace fields_detail {

template <class V>
struct is_optional : std::false_type {};
template <class V>
struct is_optional<std::optional<V>> : std::true_type {};

}  // namespace fields_detail

// Throws Error unless a text value is one of the field's choices (or "", the default).
template <class T>
void check_choice(const Field<T>& f, const std::string& value) {
  if (f.choices.empty() || value.empty()) return;
  for (const std::string& c : f.choices)
    if (c == value) return;
  throw Error("unknown " + f.name + " '" + value + "'; choose " + either_of(f.choices) + ".");
}

// The record as a JSON object keyed by field name; unset optionals, empty vectors and null JSON
// are left out, as are the execution fields unless with_execution.
template <class T>
nlohmann::json to_json(const T& record, const Fields<T>& fields, bool with_execution = true) {
  nlohmann::json out = nlohmann::json::object();
  for (const Field<T>& f : fields) {
    if (f.has(execution_field) && !with_execution) continue;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, TextField<T>>) {
            const std::string v = m.get(record);
            if (!v.empty()) out[f.name] = v;
          } else {
            const auto& v = field_ref(record, m);
            using V = std::decay_t<decltype(v)>;
            if constexpr (fields_detail::is_optional<V>::value) {
              if (v) out[f.name] = *v;
            } else if constexpr (std::is_same_v<V, std::vector<Real>>) {
              if (!v.empty()) out[f.name] = v;
            } else if constexpr (std::is_same_v<V, nlohmann::json>) {
              if (!v.is_null()) out[f.name] = v;
            } else {
              out[f.name] = v;
            }
          }
        },
        f.member);
  }
  return out;
}

namespace fields_detail {
struct OutOfRange {};

// A JSON value as an integer field, without nlohmann's float-to-integer conversion, which is
// undefined beyond the type's range (UBSan, fuzzing: a count of 1e22): a fraction or an
// out-of-range number is a value of the wrong type.
template <class I>
I integer_from_json(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<I>::max())) return static_cast<I>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (std::is_signed_v<I> ? v >= static_cast<std::int64_t>(std::numeric_limits<I>::min()) : v >= 0) return static_cast<I>(v);
  } else if (!j.is_number()) {
    return j.get<I>();  // nlohmann's type_error
  }
  throw OutOfRange{};
}

template <class V>
V value_from_json(const nlohmann::json& j) {
  if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>)
    return integer_from_json<V>(j);
  else
    return j.get<V>();
}
}  // namespace fields_detail

// Reads the fields j names into record (others keep their values); keys that are no field are
// ignored, so that files of later versions still read. Throws Error naming `what` and the field
// for a value of the wrong type or not among the choices.
template <class T>
void from_json(T& record, const nlohmann::json& j, const Fields<T>& fields, const std::string& what) {
  if (!j.is_object()) throw Error(what + ": expected a JSON object; re-create it with lsc.");
  for (const Field<T>& f : fields) {
    const auto it = j.find(f.name);
    if (it == j.end()) continue;
    try {
      std::visit(
          [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, TextField<T>>) {
              const std::string v = it->is_null() ? std::string() : it->template get<std::string>();
              check_choice(f, v);
              m.set(record, v);
            } else {
              auto& v = field_ref(record, m);
              using V = std::decay_t<decltype(v)>;
              if constexpr (fields_detail::is_optional<V>::value) {
                if (it->is_null())
                  v.reset();
                else
                  v = fields_detail::value_from_json<typename V::value_type>(*it);
              } else if constexpr (std::is_same_v<V, nlohmann::json>) {
                v = *it;
              } else if constexpr (std::is_same_v<V, Real>) {
                // NaN has no JSON spelling; nlohmann writes it as null.
                v = it->is_null() ? std::numeric_limits<Real>::quiet_NaN() : it->template get<Real>();
              } else {
                v = fields_detail::value_from_json<V>(*it);
                if constexpr (std::is_same_v<V, std::string>) check_choice(f, v);
              }
            }
          },
          f.member);
    } catch (const nlohmann::json::exception&) {
      throw Error(what + ": field '" + f.name + "' has the wrong type (" + it->dump() +
                  "); re-create the file with lsc.");
    } catch (const fields_detail::OutOfRange&) {
      throw Error(what + ": field '" + f.name + "' is not an integer in range (" + it->dump() +
                  "); re-create the file with lsc.");
    }
  }
}

// The field's value as a double, for numeric columns (metrics.csv); NaN for non-numbers.
template <class T>
double numeric_value(const T& record, const Field<T>& f) {
  return std::visit(
      [&](const auto& m) -> double {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, TextField<T>>) {
          return std::numeric_limits<double>::quiet_NaN();
        } else {
          using V = std::decay_t<decltype(field_ref(record, m))>;
          if constexpr (std::is_arithmetic_v<V>) return static_cast<double>(field_ref(record, m));
          else return std::numeric_limits<double>::quiet_NaN();
        }
      },
      f.member);
}

// Sets a numeric field from a double (metrics.csv, Python's columns).
template <class T>
void set_numeric(T& record, const Field<T>& f, double value) {
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (!std::is_same_v<M, TextField<T>>) {
          using V = std::decay_t<decltype(field_ref(record, m))>;
          if constexpr (std::is_arithmetic_v<V>) field_ref(record, m) = static_cast<V>(value);
        }
      },
      f.member);
}

// The field of that name, or null.
template <class T>
const Field<T>* find_field(const Fields<T>& fields, const std::string& name) {
  for (const Field<T>& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace lsc
