#pragma once
/// \file autodiff/scalar.hpp
/// Scalar reverse-mode autodiff: `scalar_tape` records every operation on `scalar_var` handles
/// as it happens and sweeps the record backwards to get gradients.
///
/// The tape stores, per statement, at most two (parent index, local partial) pairs (Jacobian
/// taping, as Adept and CoDiPack do). Creation order is a topological order, so the backward
/// sweep walks the statements from the output down and adds `partial * adjoint` into each
/// parent's adjoint. Values are not stored on the tape: they live in the handles, which the
/// forward code holds anyway, and the sweep reads only partials and indices.
///
/// Memory: statements go into chunks taken from an `arena`; `clear()` forgets them and keeps
/// the arena's blocks, so a tape reused step after step stops allocating once it has seen its
/// largest step. No heap allocation happens per operation, and no `std::function` is involved.
///
/// Types: values are `Value` (every result rounded once into it); adjoints and local partials
/// are `Adjoint`, which may be wider (bfloat16 values with float adjoints).
/// `scalar_tape_for<Policy>` picks both from a precision policy.
///
/// Threads: a tape and its variables belong to one thread at a time. There is no global mutable
/// state, so tapes on different threads run independently and give the same bits as they would
/// one after the other.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/autodiff/arena.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/math.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec {

template <scalar_type Value, scalar_type Adjoint = Value>
class scalar_tape;
template <scalar_type Value, scalar_type Adjoint = Value>
class scalar_var;

/// The scalar tape a policy asks for: values in the storage type of pointwise ops
/// (`storage_t<Policy, ops::mul>`), adjoints in the accumulate type of their backward pass
/// (`accumulate_t<Policy, ops::mul, pass::backward_data>`). mixed_bf16 gives bfloat16 values with
/// float adjoints; fp32 gives float for both.
template <policy_type Policy>
using scalar_tape_for =
    scalar_tape<storage_t<Policy, ops::mul>, accumulate_t<Policy, ops::mul, pass::backward_data>>;

/// Options of `scalar_tape::backward`.
struct scalar_backward_options {
  /// Keep the recording sweepable. A backward pass without `retain` marks the tape as swept:
  /// its gradients stay readable, but a further backward throws until `clear()` (as PyTorch's
  /// `retain_graph`). With `retain`, a later backward is allowed; each backward starts from zero
  /// adjoints, so it gives the gradients of its own output only (they are not summed).
  bool retain = false;
};

/// A plain constant that can stand beside a variable with values of type `Value`: an arithmetic
/// type (not bool) or Value itself. It is rounded once into Value before the operation, as if it
/// were a variable with no tape entry.
template <class C, class Value>
concept scalar_constant_for = std::same_as<C, Value> ||
    (std::is_arithmetic_v<C> && !std::same_as<C, bool>);

namespace detail {

/// `c` rounded once into V.
template <scalar_type V, class C>
constexpr V scalar_constant(C c) noexcept {
  if constexpr (std::is_same_v<C, V>) {
    return c;
  } else if constexpr (std::is_same_v<C, float> || std::is_same_v<C, double>) {
    return round_to<V>(c);
  } else {
    return round_to<V>(static_cast<double>(c));
  }
}

/// What the operation rules below use to check operands and record on a tape.
struct scalar_access {
  /// Throws the error for an operand that is not a valid variable of `tape` (null: any tape).
  template <class V, class A>
  [[noreturn, gnu::noinline, gnu::cold]] static void bad_operand(const char* op,
                                                                 const scalar_var<V, A>& x,
                                                                 const scalar_tape<V, A>* tape) {
    if (x.tape_ == nullptr) {
      throw_error(op, "an empty variable (default-constructed, on no tape)");
    }
    if (tape != nullptr && x.tape_ != tape) {
      throw_error(op, "the variable belongs to another tape");
    }
    throw_error(op, "the variable was recorded before its tape's last clear()");
  }

  template <class V, class A>
  [[noreturn, gnu::noinline, gnu::cold]] static void bad_operands(const char* op,
                                                                  const scalar_var<V, A>& a,
                                                                  const scalar_var<V, A>& b) {
    if (a.tape_ == nullptr || b.tape_ == nullptr) {
      throw_error(op, "an empty variable (default-constructed, on no tape)");
    }
    if (a.tape_ != b.tape_) throw_error(op, "the operands belong to different tapes");
    throw_error(op, "an operand was recorded before its tape's last clear()");
  }

  /// Records a statement with one operand: value `v`, local partial `d` with respect to `a`.
  template <class V, class A>
  static scalar_var<V, A> record(const char* op, const scalar_var<V, A>& a, V v, A d) {
    scalar_tape<V, A>* t = a.tape_;
    if (t == nullptr || a.generation_ != t->generation_) [[unlikely]]
      bad_operand(op, a, static_cast<const scalar_tape<V, A>*>(nullptr));
    return t->push(v, a.index_, d, scalar_tape<V, A>::self, scalar_tape<V, A>::zero());
  }

  /// Records a statement with two operands.
  template <class V, class A>
  static scalar_var<V, A> record(const char* op, const scalar_var<V, A>& a,
                                 const scalar_var<V, A>& b, V v, A da, A db) {
    scalar_tape<V, A>* t = a.tape_;
    if (t == nullptr || b.tape_ != t || a.generation_ != t->generation_ ||
        b.generation_ != t->generation_) [[unlikely]]
      bad_operands(op, a, b);
    return t->push(v, a.index_, da, b.index_, db);
  }
};

}  // namespace detail

/// A variable of a `scalar_tape`: a small handle holding the tape, the statement's index, the
/// tape's generation when it was recorded, and the value.
///
/// Operations on variables record on their tape (see the rules table below). A variable is
/// valid until its tape's next `clear()`; using it afterwards throws. The tape must outlive its
/// variables' use (this is not checked). A default-constructed variable is on no tape; using it
/// in an operation throws.
template <scalar_type Value, scalar_type Adjoint>
class scalar_var {
 public:
  using value_type = Value;
  using adjoint_type = Adjoint;
  using tape_type = scalar_tape<Value, Adjoint>;

  /// A variable on no tape (its value is Value{}).
  scalar_var() = default;

  /// The value (rounded into Value when it was computed).
  Value value() const noexcept { return value_; }
  /// The gradient of the last backward pass's output with respect to this variable:
  /// `tape()->gradient(*this)`.
  Adjoint grad() const;
  /// The tape this variable was recorded on (null for a default-constructed one).
  tape_type* tape() const noexcept { return tape_; }
  /// The index of its statement on the tape (1 for the first one; 0 for none).
  std::uint32_t index() const noexcept { return index_; }
  /// True when it is on a tape and recorded since the tape's last clear().
  bool valid() const noexcept;

  scalar_var& operator+=(const scalar_var& b);
  scalar_var& operator-=(const scalar_var& b);
  scalar_var& operator*=(const scalar_var& b);
  scalar_var& operator/=(const scalar_var& b);
  template <scalar_constant_for<Value> C>
  scalar_var& operator+=(C b);
  template <scalar_constant_for<Value> C>
  scalar_var& operator-=(C b);
  template <scalar_constant_for<Value> C>
  scalar_var& operator*=(C b);
  template <scalar_constant_for<Value> C>
  scalar_var& operator/=(C b);

 private:
  friend tape_type;
  friend struct detail::scalar_access;

  scalar_var(tape_type* tape, std::uint32_t index, std::uint32_t generation, Value value) noexcept
      : tape_(tape), index_(index), generation_(generation), value_(value) {}

  tape_type* tape_ = nullptr;
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
  Value value_{};
};

/// A tape of scalar operations: records them, sweeps backwards, holds the gradients.
///
/// \tparam Value   the type of every value: each operation's result is rounded once into it
/// \tparam Adjoint the type of the local partials and of the adjoints: every product and sum of
///                 the backward sweep is rounded into it
///
/// Usage:
/// \code
///   mixprec::scalar_tape<double> tape;
///   auto x = tape.variable(1.5), y = tape.variable(-0.5);
///   auto z = exp(x * y) + sin(y) / 2;
///   tape.backward(z);
///   double dz_dx = x.grad(), dz_dy = y.grad();
///   tape.clear();  // keeps the memory for the next step
/// \endcode
///
/// Not copyable or movable (variables point to it). Every misuse throws `mixprec::error` naming
/// the operation, before anything is recorded or changed, so the tape stays usable.
template <scalar_type Value, scalar_type Adjoint>
class scalar_tape {
 public:
  using value_type = Value;
  using adjoint_type = Adjoint;
  using var = scalar_var<Value, Adjoint>;

  /// What one statement holds: two local partials and two parent indices. A slot without a
  /// parent (the second of a one-operand operation, both of an independent variable) points at
  /// the statement itself with partial 0: the sweep restores the statement's own adjoint after
  /// its updates, and no chain of updates runs through one shared sink slot.
  struct statement {
    Adjoint partial[2];
    std::uint32_t parent[2];
  };
  /// Bytes recorded per statement.
  static constexpr std::size_t bytes_per_statement = sizeof(statement);
  /// The most statements a tape holds between two clear() calls.
  static constexpr std::size_t max_size = std::numeric_limits<std::uint32_t>::max() - 1;

  scalar_tape() = default;
  scalar_tape(const scalar_tape&) = delete;
  scalar_tape& operator=(const scalar_tape&) = delete;

  /// A new independent variable with value `x` rounded once into Value.
  template <scalar_constant_for<Value> C>
  var variable(C x) {
    return push(detail::scalar_constant<Value>(x), self, zero(), self, zero());
  }

  /// Sweeps backwards from `y` with dy = 1: afterwards `gradient(x)` is dy/dx for every variable
  /// recorded up to `y`. Throws when y is not a valid variable of this tape, or when the tape was
  /// swept before without `retain` and not cleared since.
  void backward(const var& y, scalar_backward_options options = {}) {
    backward(y, round_to<Adjoint>(1.0), options);
  }
  /// The same with dy = `seed`.
  void backward(const var& y, Adjoint seed, scalar_backward_options options = {}) {
    check("backward", y);
    if (swept_ && !retained_) {
      detail::throw_error("backward",
                          "the tape was already swept by a backward pass without retain; pass "
                          "{.retain = true} to the first backward to sweep again, or clear() it");
    }
    has_gradients_ = false;
    adjoints_.assign(static_cast<std::size_t>(size_) + 1, zero());
    adjoints_[y.index_] = seed;
    sweep(y.index_);
    has_gradients_ = true;
    swept_ = true;
    retained_ = options.retain;
  }

  /// The adjoint of `x` after the last backward pass: d(output)/dx. Throws when x is not a valid
  /// variable of this tape, when no backward pass ran since the last clear(), or when x was
  /// recorded after it.
  Adjoint gradient(const var& x) const {
    check("gradient", x);
    if (!has_gradients_) {
      detail::throw_error("gradient", "no backward pass since the tape's last clear()");
    }
    if (x.index_ >= adjoints_.size()) {
      detail::throw_error("gradient", "the variable was recorded after the last backward pass");
    }
    return adjoints_[x.index_];
  }

  /// Forgets every statement and gradient and invalidates every variable (their generation no
  /// longer matches); keeps the memory for the next recording.
  void clear() noexcept {
    arena_.clear();
    chunks_.clear();
    cursor_ = nullptr;
    limit_ = nullptr;
    size_ = 0;
    ++generation_;
    adjoints_.clear();
    has_gradients_ = false;
    swept_ = false;
    retained_ = false;
  }

  /// The number of statements recorded since the last clear() (independent variables count).
  std::size_t size() const noexcept { return size_; }
  /// Bytes of statements recorded since the last clear(): size() * bytes_per_statement.
  std::size_t bytes_recorded() const noexcept { return std::size_t{size_} * sizeof(statement); }
  /// Bytes the tape holds: the arena's blocks, the adjoint array and the chunk list.
  std::size_t bytes_reserved() const noexcept {
    return arena_.bytes_reserved() + adjoints_.capacity() * sizeof(Adjoint) +
           chunks_.capacity() * sizeof(chunk);
  }
  /// Incremented by every clear(); a variable is valid while its generation equals it.
  std::uint32_t generation() const noexcept { return generation_; }

 private:
  friend struct detail::scalar_access;
  friend var;

  struct chunk {
    statement* data;
    std::uint32_t first;     // index of data[0]
    std::uint32_t capacity;  // statements; every chunk but the last is full
  };
  static constexpr std::uint32_t first_chunk_statements = 256;
  static constexpr std::uint32_t max_chunk_statements = std::uint32_t{1} << 16;

  static constexpr Adjoint zero() noexcept { return round_to<Adjoint>(0.0); }

  bool owns(const var& x) const noexcept { return x.tape_ == this && x.generation_ == generation_; }

  void check(const char* op, const var& x) const {
    if (!owns(x)) [[unlikely]]
      detail::scalar_access::bad_operand(op, x, this);
  }

  /// Parent index meaning "no parent": the new statement itself.
  static constexpr std::uint32_t self = 0;

  var push(Value value, std::uint32_t p0, Adjoint d0, std::uint32_t p1, Adjoint d1) {
    if (cursor_ == limit_) [[unlikely]]
      grow();
    const std::uint32_t index = size_ + 1;
    *cursor_++ = statement{{d0, d1}, {p0 == self ? index : p0, p1 == self ? index : p1}};
    size_ = index;
    return var(this, index, generation_, value);
  }

  [[gnu::noinline]] void grow() {
    const std::uint32_t capacity =
        chunks_.empty() ? first_chunk_statements
                        : std::min(chunks_.back().capacity * 2, max_chunk_statements);
    if (size_ >= max_size) {
      detail::throw_error("scalar_tape", "more than 2^32 - 2 statements since the last clear()");
    }
    if (chunks_.size() == chunks_.capacity()) chunks_.reserve(chunks_.size() * 2 + 8);
    statement* data = arena_.make_array<statement>(capacity);
    chunks_.push_back(chunk{data, size_ + 1, capacity});
    cursor_ = data;
    limit_ = data + capacity;
  }

  /// adj[parent] += partial * adj[i] for i = top, top - 1, ..., 1, each product and sum rounded
  /// into Adjoint. Statements whose adjoint is zero are skipped, so that an infinite or NaN
  /// partial of a statement the output does not depend on never reaches a gradient. Slot 0 of
  /// the adjoint array is unused.
  void sweep(std::uint32_t top) {
    if (top == 0) return;
    Adjoint* adj = adjoints_.data();
    std::size_t c = chunks_.size() - 1;
    while (chunks_[c].first > top) --c;
    std::uint32_t n = top - chunks_[c].first + 1;
    const Adjoint z = zero();
    for (;;) {
      const statement* s = chunks_[c].data;
      Adjoint* a = adj + chunks_[c].first;
      for (std::uint32_t k = n; k-- > 0;) {
        const Adjoint ak = a[k];
        if (ak == z) continue;
        const statement& st = s[k];
        if constexpr (std::is_same_v<Adjoint, float> || std::is_same_v<Adjoint, double>) {
          // Branch-free: a slot without a parent adds 0 * ak into the statement's own adjoint,
          // which is then restored. keep_rounded stops the product from being fused with the
          // sum (one rounding each).
          adj[st.parent[0]] += detail::keep_rounded(st.partial[0] * ak);
          adj[st.parent[1]] += detail::keep_rounded(st.partial[1] * ak);
          a[k] = ak;
        } else {
          const std::uint32_t own = chunks_[c].first + k;
          if (st.parent[0] != own) adj[st.parent[0]] = adj[st.parent[0]] + st.partial[0] * ak;
          if (st.parent[1] != own) adj[st.parent[1]] = adj[st.parent[1]] + st.partial[1] * ak;
        }
      }
      if (c == 0) break;
      --c;
      n = chunks_[c].capacity;
    }
  }

  arena arena_;
  std::vector<chunk> chunks_;
  statement* cursor_ = nullptr;
  statement* limit_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t generation_ = 0;
  std::vector<Adjoint> adjoints_;
  bool has_gradients_ = false;
  bool swept_ = false;
  bool retained_ = false;
};

namespace detail {

/// The exact value of a scalar as a double.
template <scalar_type T>
inline double scalar_d(T x) noexcept {
  return mixprec::to_double(x);
}

/// `x` rounded once into T, kept apart from any later operation (no FMA contraction).
template <scalar_type T>
inline T scalar_round(double x) noexcept {
  return detail::keep_rounded(round_to<T>(x));
}

}  // namespace detail

// ---- The rules ----------------------------------------------------------------------------------
// One place for every primitive: its value and its local partials.
//
// Values: + - * / are Value's own operators (each rounded once into Value; for float and double
// kept from FMA contraction); unary minus is exact; abs and relu select or move the sign (exact);
// every other function is evaluated in double on the operands' exact values and rounded once into
// Value (as format/math.hpp and apply_rounded do). A plain constant c is first rounded into
// Value.
//
// Partials: each is the formula below evaluated in double on the operands' exact values a and b
// (never on the rounded result), then rounded once into Adjoint. With Adjoint = double the
// formula's own double operations round as double arithmetic does.
//
//   op              value                    d/da                         d/db
//   a + b           a + b                    1                            1
//   a - b           a - b                    1                            -1
//   a * b           a * b                    b                            a
//   a / b           a / b                    1/b                          -(a * (1/b)) * (1/b)
//   -a              -a                       -1
//   exp(a)          e^a                      e^a
//   log(a)          ln a                     1/a
//   sqrt(a)         √a                       0.5/√a
//   pow(a, b)       a^b                      b·a^(b-1)  (0 if b == 0)     a^b·ln a (a > 0); 0 (a ==
//   0);
//                                                                         NaN (a < 0)
//   sin(a)          sin a                    cos a
//   cos(a)          cos a                    -sin a
//   tanh(a)         tanh a                   1 - tanh²a
//   sigmoid(a)      σ = 1/(1+e^-a)           σ·(1-σ)
//   relu(a)         a > 0 ? a : +0 (NaN: a)  a > 0 ? 1 : 0
//   abs(a)          |a|                      sign a (0 at ±0, NaN for NaN)
//
// With a constant operand the statement has one parent and the constant's partial is dropped:
// a + c, c + a: 1; a - c: 1; c - a: -1; a * c, c * a: c; a / c: 1/c; c / a: -(c * (1/a)) * (1/a);
// pow(a, c): c·a^(c-1); pow(c, b): c^b·ln c.

namespace detail {

template <scalar_type V, scalar_type A>
struct scalar_rules {
  using var = scalar_var<V, A>;
  static A p(double x) noexcept { return scalar_round<A>(x); }
  static constexpr A one() noexcept { return round_to<A>(1.0); }
  static constexpr A minus_one() noexcept { return round_to<A>(-1.0); }

  static V add(V a, V b) noexcept { return detail::keep_rounded(a + b); }
  static V sub(V a, V b) noexcept { return detail::keep_rounded(a - b); }
  static V mul(V a, V b) noexcept { return detail::keep_rounded(a * b); }
  static V div(V a, V b) noexcept { return detail::keep_rounded(a / b); }

  static double pow_da(double a, double b) noexcept {
    return b == 0 ? 0.0 : b * std::pow(a, b - 1);
  }
  static double pow_db(double a, double r) noexcept {
    return a > 0 ? r * std::log(a) : a == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  }
  static double sign(double a) noexcept { return a > 0 ? 1.0 : a < 0 ? -1.0 : a == 0 ? 0.0 : a; }
};

}  // namespace detail

#define MIXPREC_SCALAR_VAR_TEMPLATE template <scalar_type V, scalar_type A>
#define MIXPREC_SCALAR_VAR scalar_var<V, A>

/// a + b.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator+(const MIXPREC_SCALAR_VAR& a, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator+", a, b, r::add(a.value(), b.value()), r::one(),
                                       r::one());
}
/// a - b.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator-(const MIXPREC_SCALAR_VAR& a, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator-", a, b, r::sub(a.value(), b.value()), r::one(),
                                       r::minus_one());
}
/// a * b.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator*(const MIXPREC_SCALAR_VAR& a, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator*", a, b, r::mul(a.value(), b.value()),
                                       round_to<A>(b.value()), round_to<A>(a.value()));
}
/// a / b.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator/(const MIXPREC_SCALAR_VAR& a, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  const double t = 1.0 / detail::scalar_d(b.value());
  return detail::scalar_access::record("operator/", a, b, r::div(a.value(), b.value()), r::p(t),
                                       r::p(-(detail::scalar_d(a.value()) * t) * t));
}
/// -a (exact).
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator-(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator-", a, V(-a.value()), r::minus_one());
}
/// +a: a itself (records nothing).
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR operator+(const MIXPREC_SCALAR_VAR& a) { return a; }

/// a + c.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator+(const MIXPREC_SCALAR_VAR& a, C c) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator+", a,
                                       r::add(a.value(), detail::scalar_constant<V>(c)), r::one());
}
/// c + a.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator+(C c, const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator+", a,
                                       r::add(detail::scalar_constant<V>(c), a.value()), r::one());
}
/// a - c.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator-(const MIXPREC_SCALAR_VAR& a, C c) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record("operator-", a,
                                       r::sub(a.value(), detail::scalar_constant<V>(c)), r::one());
}
/// c - a.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator-(C c, const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  return detail::scalar_access::record(
      "operator-", a, r::sub(detail::scalar_constant<V>(c), a.value()), r::minus_one());
}
/// a * c.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator*(const MIXPREC_SCALAR_VAR& a, C c) {
  using r = detail::scalar_rules<V, A>;
  const V cv = detail::scalar_constant<V>(c);
  return detail::scalar_access::record("operator*", a, r::mul(a.value(), cv), round_to<A>(cv));
}
/// c * a.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator*(C c, const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const V cv = detail::scalar_constant<V>(c);
  return detail::scalar_access::record("operator*", a, r::mul(cv, a.value()), round_to<A>(cv));
}
/// a / c.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator/(const MIXPREC_SCALAR_VAR& a, C c) {
  using r = detail::scalar_rules<V, A>;
  const V cv = detail::scalar_constant<V>(c);
  return detail::scalar_access::record("operator/", a, r::div(a.value(), cv),
                                       r::p(1.0 / detail::scalar_d(cv)));
}
/// c / a.
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR operator/(C c, const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const V cv = detail::scalar_constant<V>(c);
  const double t = 1.0 / detail::scalar_d(a.value());
  return detail::scalar_access::record("operator/", a, r::div(cv, a.value()),
                                       r::p(-(detail::scalar_d(cv) * t) * t));
}

/// e^a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR exp(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double y = std::exp(detail::scalar_d(a.value()));
  return detail::scalar_access::record("exp", a, detail::scalar_round<V>(y), r::p(y));
}
/// ln a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR log(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value());
  return detail::scalar_access::record("log", a, detail::scalar_round<V>(std::log(x)),
                                       r::p(1.0 / x));
}
/// √a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR sqrt(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double y = std::sqrt(detail::scalar_d(a.value()));
  return detail::scalar_access::record("sqrt", a, detail::scalar_round<V>(y), r::p(0.5 / y));
}
/// a^b.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR pow(const MIXPREC_SCALAR_VAR& a, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value()), e = detail::scalar_d(b.value());
  const double y = std::pow(x, e);
  return detail::scalar_access::record("pow", a, b, detail::scalar_round<V>(y),
                                       r::p(r::pow_da(x, e)), r::p(r::pow_db(x, y)));
}
/// a^c (c rounded into V first).
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR pow(const MIXPREC_SCALAR_VAR& a, C c) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value());
  const double e = detail::scalar_d(detail::scalar_constant<V>(c));
  return detail::scalar_access::record("pow", a, detail::scalar_round<V>(std::pow(x, e)),
                                       r::p(r::pow_da(x, e)));
}
/// c^b (c rounded into V first).
template <scalar_type V, scalar_type A, scalar_constant_for<V> C>
inline MIXPREC_SCALAR_VAR pow(C c, const MIXPREC_SCALAR_VAR& b) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(detail::scalar_constant<V>(c));
  const double y = std::pow(x, detail::scalar_d(b.value()));
  return detail::scalar_access::record("pow", b, detail::scalar_round<V>(y), r::p(r::pow_db(x, y)));
}
/// sin a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR sin(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value());
  return detail::scalar_access::record("sin", a, detail::scalar_round<V>(std::sin(x)),
                                       r::p(std::cos(x)));
}
/// cos a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR cos(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value());
  return detail::scalar_access::record("cos", a, detail::scalar_round<V>(std::cos(x)),
                                       r::p(-std::sin(x)));
}
/// tanh a.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR tanh(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double t = std::tanh(detail::scalar_d(a.value()));
  return detail::scalar_access::record("tanh", a, detail::scalar_round<V>(t),
                                       r::p(1.0 - detail::keep_rounded(t * t)));
}
/// The logistic function 1 / (1 + e^-a).
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR sigmoid(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double s = 1.0 / (1.0 + std::exp(-detail::scalar_d(a.value())));
  return detail::scalar_access::record("sigmoid", a, detail::scalar_round<V>(s),
                                       r::p(s * (1.0 - s)));
}
/// max(a, 0): a when a > 0 (or NaN), else +0.
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR relu(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  const double x = detail::scalar_d(a.value());
  const V y = (x > 0 || x != x) ? a.value() : round_to<V>(0.0);
  return detail::scalar_access::record("relu", a, y, x > 0 ? r::one() : A(r::p(0.0)));
}
/// |a| (exact).
MIXPREC_SCALAR_VAR_TEMPLATE
inline MIXPREC_SCALAR_VAR abs(const MIXPREC_SCALAR_VAR& a) {
  using r = detail::scalar_rules<V, A>;
  using std::abs;
  return detail::scalar_access::record("abs", a, V(abs(a.value())),
                                       r::p(r::sign(detail::scalar_d(a.value()))));
}

#undef MIXPREC_SCALAR_VAR_TEMPLATE
#undef MIXPREC_SCALAR_VAR

// ---- scalar_var members ------------------------------------------------------------------------

template <scalar_type Value, scalar_type Adjoint>
Adjoint scalar_var<Value, Adjoint>::grad() const {
  if (tape_ == nullptr) {
    detail::throw_error("grad", "an empty variable (default-constructed, on no tape)");
  }
  return tape_->gradient(*this);
}

template <scalar_type Value, scalar_type Adjoint>
bool scalar_var<Value, Adjoint>::valid() const noexcept {
  return tape_ != nullptr && tape_->owns(*this);
}

template <scalar_type Value, scalar_type Adjoint>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator+=(const scalar_var& b) {
  return *this = *this + b;
}
template <scalar_type Value, scalar_type Adjoint>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator-=(const scalar_var& b) {
  return *this = *this - b;
}
template <scalar_type Value, scalar_type Adjoint>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator*=(const scalar_var& b) {
  return *this = *this * b;
}
template <scalar_type Value, scalar_type Adjoint>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator/=(const scalar_var& b) {
  return *this = *this / b;
}
template <scalar_type Value, scalar_type Adjoint>
template <scalar_constant_for<Value> C>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator+=(C b) {
  return *this = *this + b;
}
template <scalar_type Value, scalar_type Adjoint>
template <scalar_constant_for<Value> C>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator-=(C b) {
  return *this = *this - b;
}
template <scalar_type Value, scalar_type Adjoint>
template <scalar_constant_for<Value> C>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator*=(C b) {
  return *this = *this * b;
}
template <scalar_type Value, scalar_type Adjoint>
template <scalar_constant_for<Value> C>
scalar_var<Value, Adjoint>& scalar_var<Value, Adjoint>::operator/=(C b) {
  return *this = *this / b;
}

}  // namespace mixprec
