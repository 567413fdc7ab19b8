#pragma once
// Every user-facing failure is an lsc::Error whose message is one sentence that says what is
// wrong and what to change; front ends print it and exit non-zero.
#include <stdexcept>
#include <string>

namespace lsc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& sentence) : std::runtime_error(sentence) {}
};

// Throws Error(sentence) unless cond holds.
inline void require(bool cond, const std::string& sentence) {
  if (!cond) throw Error(sentence);
}

}  // namespace lsc
