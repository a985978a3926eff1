#pragma once
/// \file error.hpp
/// The exception type of every host-side mixprec API, and the checking macro that throws it.

#include <stdexcept>
#include <string>

namespace mixprec {

/// Thrown by host APIs on bad input. The message names the operation and what was wrong.
/// Device code never throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] inline void throw_error(const char* where, const std::string& what) {
  throw error(std::string(where) + ": " + what);
}
}  // namespace detail

}  // namespace mixprec

/// Throws mixprec::error("<function>: <message>") unless `cond` holds. Host code only.
#define MIXPREC_ASSERT(cond, message)                                 \
  do {                                                                \
    if (!(cond)) ::mixprec::detail::throw_error(__func__, (message)); \
  } while (false)
