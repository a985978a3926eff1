#pragma once
/// \file policy/policy.hpp
/// `policy<Parts...>`: a default precision, rules by category and by op (each optionally for one
/// pass), the types of the tensor roles, and the declarations the diagnostics look at.
/// `precision_for<Policy, Op, Pass>` resolves the precision of one op in one pass at compile
/// time: the most specific matching rule wins (op and pass, then op, then category and pass,
/// then category, then the default). See docs/policies.md.

#include <algorithm>
#include <array>
#include <type_traits>

#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec {

/// Category selectors for rules: `rule<categories::transcendental, precision<float>>`.
namespace categories {
template <category C>
struct tag {
  static constexpr category value = C;
};
using matmul = tag<category::matmul>;
using pointwise = tag<category::pointwise>;
using transcendental = tag<category::transcendental>;
using reduction = tag<category::reduction>;
using normalization = tag<category::normalization>;
using loss = tag<category::loss>;
using layout = tag<category::layout>;
}  // namespace categories

/// The precision of every op and pass no rule matches. Every policy has exactly one.
template <precision_type P>
struct default_precision {
  using precision = P;
};

/// Ops of `Target` (an op tag of mixprec::ops or a selector of mixprec::categories) work in
/// `P`, in the listed passes, or in every pass when none is listed.
template <class Target, precision_type P, pass... Passes>
struct rule {
  using target = Target;
  using precision = P;
  static constexpr std::array<pass, sizeof...(Passes)> passes{Passes...};
};

/// The tensors a training step keeps, by role.
enum class role {
  weights,           ///< weights as the ops read them (the compute copy)
  master_weights,    ///< the copy the optimizer updates
  weight_grads,      ///< gradients with respect to weights
  activation_grads,  ///< gradients with respect to activations
  optimizer_state,   ///< moments and other per-weight state
};

/// The name of a role as the policy tables print it.
constexpr std::string_view role_name(role r) noexcept {
  switch (r) {
    case role::weights:
      return "weights";
    case role::master_weights:
      return "master_weights";
    case role::weight_grads:
      return "weight_grads";
    case role::activation_grads:
      return "activation_grads";
    case role::optimizer_state:
      return "optimizer_state";
  }
  return "?";
}

/// The element type of each role. A type's rounding is the rounding used when a value of that
/// role is written: `floating<formats::bf16, rounding::stochastic>` weights are written with
/// stochastic rounding.
template <scalar_type Weights, scalar_type MasterWeights, scalar_type WeightGrads,
          scalar_type ActivationGrads, scalar_type OptimizerState>
struct roles {
  using weights = Weights;
  using master_weights = MasterWeights;
  using weight_grads = WeightGrads;
  using activation_grads = ActivationGrads;
  using optimizer_state = OptimizerState;
};

/// How the loss is scaled before the backward pass so that small gradients survive a narrow
/// format (Micikevicius et al. 2018, "Mixed Precision Training").
enum class loss_scale {
  none,     ///< gradients are what they are
  fixed,    ///< a constant factor chosen by the user
  dynamic,  ///< grown while gradients stay finite, halved on overflow (as PyTorch GradScaler)
};

/// Declares the loss scaling a policy is used with.
template <loss_scale L>
struct loss_scaling {
  static constexpr loss_scale value = L;
};

/// How FP8 operands are scaled into range.
enum class tensor_scale {
  none,        ///< values are converted as they are
  per_tensor,  ///< one factor per tensor from its recent absolute maximum (Transformer Engine)
};

/// Declares the per-tensor scaling of a policy's narrow operands.
template <tensor_scale T>
struct tensor_scaling {
  static constexpr tensor_scale value = T;
};

/// Combinations that are almost always mistakes; a policy that means one lists it in allow<>.
enum class mistake {
  /// An accumulate type with fewer significand bits than the compute type.
  narrow_accumulation,
  /// Gradients in a format with fp16's range (5 exponent bits or fewer) without loss scaling.
  unscaled_narrow_gradients,
};

/// Opts a policy in to combinations the diagnostics would reject.
template <mistake... M>
struct allow {
  static constexpr std::array<mistake, sizeof...(M)> values{M...};
};

namespace detail {

template <class T>
struct is_rule_part : std::false_type {};
template <class Target, class P, pass... Passes>
struct is_rule_part<rule<Target, P, Passes...>> : std::true_type {};
template <class T>
struct is_default_part : std::false_type {};
template <class P>
struct is_default_part<default_precision<P>> : std::true_type {};
template <class T>
struct is_roles_part : std::false_type {};
template <class W, class M, class G, class A, class O>
struct is_roles_part<roles<W, M, G, A, O>> : std::true_type {};
template <class T>
struct is_loss_scaling_part : std::false_type {};
template <loss_scale L>
struct is_loss_scaling_part<loss_scaling<L>> : std::true_type {};
template <class T>
struct is_tensor_scaling_part : std::false_type {};
template <tensor_scale T>
struct is_tensor_scaling_part<tensor_scaling<T>> : std::true_type {};
template <class T>
struct is_allow_part : std::false_type {};
template <mistake... M>
struct is_allow_part<allow<M...>> : std::true_type {};
template <class T>
struct is_category_selector : std::false_type {};
template <category C>
struct is_category_selector<categories::tag<C>> : std::true_type {};

template <class Part>
inline constexpr bool is_policy_part =
    is_rule_part<Part>::value || is_default_part<Part>::value || is_roles_part<Part>::value ||
    is_loss_scaling_part<Part>::value || is_tensor_scaling_part<Part>::value ||
    is_allow_part<Part>::value;

/// How specifically `Rule` matches op `Op` in pass `Pass`: 0 no match, 1 category, 2 category
/// and pass, 3 op, 4 op and pass.
template <class Rule, class Op, pass Pass>
constexpr int rule_level() noexcept {
  if constexpr (!is_rule_part<Rule>::value) {
    return 0;
  } else {
    using target = typename Rule::target;
    constexpr bool all_passes = Rule::passes.empty();
    constexpr bool in_pass = all_passes || std::find(Rule::passes.begin(), Rule::passes.end(),
                                                     Pass) != Rule::passes.end();
    if constexpr (!in_pass) {
      return 0;
    } else if constexpr (std::is_same_v<target, Op>) {
      return all_passes ? 3 : 4;
    } else if constexpr (is_category_selector<target>::value) {
      if constexpr (target::value == Op::op_category) return all_passes ? 1 : 2;
      return 0;
    } else {
      return 0;
    }
  }
}

/// The first part satisfying Pred, or Fallback.
template <template <class> class Pred, class Fallback, class... Parts>
struct first_part {
  using type = Fallback;
};
template <template <class> class Pred, class Fallback, class Head, class... Tail>
struct first_part<Pred, Fallback, Head, Tail...> {
  using type = std::conditional_t<Pred<Head>::value, Head,
                                  typename first_part<Pred, Fallback, Tail...>::type>;
};

/// The precision of `Part` when it is a rule matching (Op, Pass) at `Level`, else void.
template <class Part, int Level, class Op, pass Pass,
          bool Match = (Level > 0 && rule_level<Part, Op, Pass>() == Level)>
struct precision_at {
  using type = void;
};
template <class Part, int Level, class Op, pass Pass>
struct precision_at<Part, Level, Op, Pass, true> {
  using type = typename Part::precision;
};

template <class... Ts>
struct first_non_void {
  using type = void;
};
template <class Head, class... Tail>
struct first_non_void<Head, Tail...> {
  using type =
      std::conditional_t<!std::is_void_v<Head>, Head, typename first_non_void<Tail...>::type>;
};

template <class Part, int Level, class Op, pass Pass, class Chosen>
constexpr bool conflicts() noexcept {
  if constexpr (Level == 0 || rule_level<Part, Op, Pass>() != Level) {
    return false;
  } else {
    return !std::is_same_v<typename Part::precision, Chosen>;
  }
}

/// Whether T's format has at most 5 exponent bits (the range of fp16 or less).
template <class T>
constexpr bool has_narrow_range() noexcept {
  return format_of_t<T>::exponent_bits <= 5;
}

template <class Part>
constexpr bool narrow_accumulation_in() noexcept {
  if constexpr (is_rule_part<Part>::value || is_default_part<Part>::value) {
    using P = typename Part::precision;
    return precision_bits_v<typename P::accumulate> < precision_bits_v<typename P::compute>;
  } else {
    return false;
  }
}

/// Whether a rule (or the default) stores gradients in a narrow-range format: it applies to a
/// backward pass (or to all passes) and its storage has fp16's range or less.
template <class Part>
constexpr bool narrow_gradient_storage_in() noexcept {
  if constexpr (is_rule_part<Part>::value || is_default_part<Part>::value) {
    bool backward = true;
    if constexpr (is_rule_part<Part>::value) {
      if (!Part::passes.empty()) {
        backward = std::find(Part::passes.begin(), Part::passes.end(), pass::backward_data) !=
                       Part::passes.end() ||
                   std::find(Part::passes.begin(), Part::passes.end(), pass::backward_weight) !=
                       Part::passes.end();
      }
    }
    return backward && has_narrow_range<typename Part::precision::storage>();
  } else {
    return false;
  }
}

}  // namespace detail

/// A precision policy: a default precision plus rules, role types and declarations, in any
/// order. Presets are in mixprec::presets (policy/presets.hpp).
///
///     using my_policy = policy<default_precision<precision<bfloat16, float, float>>,
///                              rule<categories::reduction, precision<float>>,
///                              rule<ops::matmul, precision<float8_e5m2, float, float>,
///                                   pass::backward_data, pass::backward_weight>,
///                              roles<bfloat16, float, float, bfloat16, float>>;
///
/// Without roles<>, every role has the default precision's storage type.
template <class... Parts>
struct policy {
  static_assert((detail::is_policy_part<Parts> && ...),
                "mixprec::policy: every part must be a default_precision<>, rule<>, roles<>, "
                "loss_scaling<>, tensor_scaling<> or allow<>");
  static_assert((int(detail::is_default_part<Parts>::value) + ... + 0) == 1,
                "mixprec::policy: a policy needs exactly one default_precision<...>");
  static_assert((int(detail::is_roles_part<Parts>::value) + ... + 0) <= 1,
                "mixprec::policy: at most one roles<...>");
  static_assert((int(detail::is_loss_scaling_part<Parts>::value) + ... + 0) <= 1,
                "mixprec::policy: at most one loss_scaling<...>");
  static_assert((int(detail::is_tensor_scaling_part<Parts>::value) + ... + 0) <= 1,
                "mixprec::policy: at most one tensor_scaling<...>");

  /// The default precision.
  using default_type =
      typename detail::first_part<detail::is_default_part, default_precision<precision<float>>,
                                  Parts...>::type::precision;
  /// The role types.
  using role_types = typename detail::first_part<
      detail::is_roles_part,
      roles<typename default_type::storage, typename default_type::storage,
            typename default_type::storage, typename default_type::storage,
            typename default_type::storage>,
      Parts...>::type;
  /// The declared loss scaling.
  static constexpr loss_scale loss_scaling_mode =
      detail::first_part<detail::is_loss_scaling_part, loss_scaling<loss_scale::none>,
                         Parts...>::type::value;
  /// The declared per-tensor scaling of narrow operands.
  static constexpr tensor_scale tensor_scaling_mode =
      detail::first_part<detail::is_tensor_scaling_part, tensor_scaling<tensor_scale::none>,
                         Parts...>::type::value;

  /// Whether the policy opts in to `m`.
  static constexpr bool allows(mistake m) noexcept {
    bool found = false;
    (
        [&] {
          if constexpr (detail::is_allow_part<Parts>::value) {
            for (mistake x : Parts::values) found = found || x == m;
          }
        }(),
        ...);
    return found;
  }

  static_assert(!(detail::narrow_accumulation_in<Parts>() || ...) ||
                    allows(mistake::narrow_accumulation),
                "mixprec::policy: a precision accumulates in a type with fewer significand bits "
                "than its compute type, so sums lose what the products keep. If that is what you "
                "study, add allow<mistake::narrow_accumulation> to the policy.");

  static constexpr bool narrow_gradients =
      (detail::narrow_gradient_storage_in<Parts>() || ...) ||
      detail::has_narrow_range<typename role_types::weight_grads>() ||
      detail::has_narrow_range<typename role_types::activation_grads>();
  static_assert(!narrow_gradients || loss_scaling_mode != loss_scale::none ||
                    tensor_scaling_mode != tensor_scale::none ||
                    allows(mistake::unscaled_narrow_gradients),
                "mixprec::policy: gradients are stored in a format with fp16's range (5 exponent "
                "bits or fewer) but no loss scaling is declared, so small gradients flush to "
                "zero. Add loss_scaling<loss_scale::dynamic> (or fixed), or "
                "allow<mistake::unscaled_narrow_gradients> to study the failure.");

  /// The precision of op `Op` in pass `Pass` (see precision_for).
  template <op_tag Op, pass Pass>
  struct resolve {
    static constexpr int level = std::max({0, detail::rule_level<Parts, Op, Pass>()...});
    using type = std::conditional_t<level == 0, default_type,
                                    typename detail::first_non_void<typename detail::precision_at<
                                        Parts, level, Op, Pass>::type...>::type>;
    static_assert(!(detail::conflicts<Parts, level, Op, Pass, type>() || ...),
                  "mixprec::policy: two rules of the same specificity give different precisions "
                  "for one op and pass");
  };
};

namespace detail {
template <class... Parts>
auto policy_base(const policy<Parts...>*) -> policy<Parts...>;
}  // namespace detail

/// A policy<...> or a type derived from one (the presets).
template <class T>
concept policy_type = requires(const T* p) {
  detail::policy_base(p);
};

/// The precision of op `Op` in pass `Pass` under `Policy`.
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
using precision_for = typename Policy::template resolve<Op, Pass>::type;

/// Whether a rule of `Policy` (naming the op or its category) decides the precision of `Op` in
/// `Pass`, rather than the default precision. The layout ops (reshape, transpose) keep their
/// input's type unless one does.
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
inline constexpr bool has_rule_v = Policy::template resolve<Op, Pass>::level > 0;

/// Its storage, compute, accumulate and output types.
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
using storage_t = typename precision_for<Policy, Op, Pass>::storage;
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
using compute_t = typename precision_for<Policy, Op, Pass>::compute;
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
using accumulate_t = typename precision_for<Policy, Op, Pass>::accumulate;
template <policy_type Policy, op_tag Op, pass Pass = pass::forward>
using output_t = typename precision_for<Policy, Op, Pass>::output;

namespace detail {
template <class Roles, role R>
struct role_type;
template <class Roles>
struct role_type<Roles, role::weights> {
  using type = typename Roles::weights;
};
template <class Roles>
struct role_type<Roles, role::master_weights> {
  using type = typename Roles::master_weights;
};
template <class Roles>
struct role_type<Roles, role::weight_grads> {
  using type = typename Roles::weight_grads;
};
template <class Roles>
struct role_type<Roles, role::activation_grads> {
  using type = typename Roles::activation_grads;
};
template <class Roles>
struct role_type<Roles, role::optimizer_state> {
  using type = typename Roles::optimizer_state;
};
}  // namespace detail

/// The element type of role `R` under `Policy`.
template <policy_type Policy, role R>
using role_t = typename detail::role_type<typename Policy::role_types, R>::type;

}  // namespace mixprec
