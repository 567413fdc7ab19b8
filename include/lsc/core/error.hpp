#pragma once
// Every user-facing failure is an lsc::Error whose message is one sentence that says what is
// wrong and what to change; front ends print it and exit non-zero.
#include <stdexcept>
#include <string>
#include <vector>

namespace lsc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& sentence) : std::runtime_error(sentence) {}
};

// Throws Error(sentence) unless cond holds.
inline void require(bool cond, const std::string& sentence) {
  if (!cond) throw Error(sentence);
}

// The accepted values as a message says them: "a, b or c".
inline std::string either_of(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i];
  return out;
}

}  // namespace lsc
