// The policy layer: rule resolution, every preset's documented precision for every op and
// pass, roles, the rendered tables against docs/policies.md, and selection by name.
#include <doctest/doctest.h>

#include <fstream>
#include <mixprec/policy/policy.hpp>
#include <mixprec/policy/presets.hpp>
#include <mixprec/policy/table.hpp>
#include <sstream>
#include <string>
#include <type_traits>

namespace mp = mixprec;
using mp::pass;
using mp::precision;
namespace ops = mp::ops;

namespace {

// The ops of each category, listed here by hand (not taken from the library's tags).
using matmul_ops = mp::op_list<ops::matmul>;
using pointwise_ops = mp::op_list<ops::add, ops::sub, ops::mul, ops::div, ops::neg, ops::relu,
                                  ops::cast, ops::dropout, ops::embedding, ops::optimizer_update>;
using transcendental_ops = mp::op_list<ops::exp, ops::log, ops::tanh, ops::sigmoid, ops::gelu>;
using reduction_ops = mp::op_list<ops::sum, ops::mean>;
using normalization_ops = mp::op_list<ops::softmax, ops::log_softmax, ops::layer_norm>;
using loss_ops = mp::op_list<ops::cross_entropy, ops::mse>;

template <class Policy, class Expected, class Op, pass... Passes>
constexpr bool op_resolves_to() {
  return (std::is_same_v<mp::precision_for<Policy, Op, Passes>, Expected> && ...);
}

// Whether every op of the list resolves to Expected in every listed pass (all three if none).
template <class Policy, class Expected, pass... Passes, class... Ops>
constexpr bool resolve_to(mp::op_list<Ops...>) {
  if constexpr (sizeof...(Passes) == 0) {
    return resolve_to<Policy, Expected, pass::forward, pass::backward_data, pass::backward_weight>(
        mp::op_list<Ops...>{});
  } else {
    return (op_resolves_to<Policy, Expected, Ops, Passes...>() && ...);
  }
}

template <class Policy, class W, class M, class G, class A, class O>
constexpr bool has_roles() {
  return std::is_same_v<mp::role_t<Policy, mp::role::weights>, W> &&
         std::is_same_v<mp::role_t<Policy, mp::role::master_weights>, M> &&
         std::is_same_v<mp::role_t<Policy, mp::role::weight_grads>, G> &&
         std::is_same_v<mp::role_t<Policy, mp::role::activation_grads>, A> &&
         std::is_same_v<mp::role_t<Policy, mp::role::optimizer_state>, O>;
}

using f32 = precision<float>;
using half = mp::half;
using bf16 = mp::bfloat16;
using bf16_sr = mp::floating<mp::formats::bf16, mp::rounding::stochastic>;

// ---- the presets, as docs/policies.md documents them -------------------------------------

namespace p = mp::presets;

template <class... Lists>
struct lists {};
using all_lists = lists<matmul_ops, pointwise_ops, transcendental_ops, reduction_ops,
                        normalization_ops, loss_ops>;
template <class Policy, class Expected, class... L>
constexpr bool all_resolve_to(lists<L...>) {
  return (resolve_to<Policy, Expected>(L{}) && ...);
}

static_assert(all_resolve_to<p::fp32, f32>(all_lists{}));

// The layout ops keep their input's type unless a rule names them: no preset names them, and a
// rule for the op or for its category does.
template <class Policy>
constexpr bool layout_unnamed() {
  return !mp::has_rule_v<Policy, ops::reshape> && !mp::has_rule_v<Policy, ops::transpose> &&
         !mp::has_rule_v<Policy, ops::transpose, pass::backward_data>;
}
static_assert(layout_unnamed<p::fp32>() && layout_unnamed<p::mixed_fp16>() &&
              layout_unnamed<p::mixed_bf16>() && layout_unnamed<p::pure_fp16>() &&
              layout_unnamed<p::pure_bf16>() && layout_unnamed<p::pure_bf16_sr>() &&
              layout_unnamed<p::fp8_hybrid>() && layout_unnamed<p::fp16_accumulate>());
using transpose_in_bf16 =
    mp::policy<mp::default_precision<f32>, mp::rule<ops::transpose, precision<mp::bfloat16>>>;
static_assert(mp::has_rule_v<transpose_in_bf16, ops::transpose>);
static_assert(!mp::has_rule_v<transpose_in_bf16, ops::reshape>);
static_assert(std::is_same_v<mp::storage_t<transpose_in_bf16, ops::transpose>, mp::bfloat16>);
using layout_in_bf16 =
    mp::policy<mp::default_precision<f32>,
               mp::rule<mp::categories::layout, precision<mp::bfloat16>, pass::forward>>;
static_assert(mp::has_rule_v<layout_in_bf16, ops::reshape>);
static_assert(!mp::has_rule_v<layout_in_bf16, ops::reshape, pass::backward_data>);
static_assert(has_roles<p::fp32, float, float, float, float, float>());
static_assert(p::fp32::loss_scaling_mode == mp::loss_scale::none);

template <class Policy, class Low>
constexpr bool autocast_style() {
  return resolve_to<Policy, precision<Low, float, float>>(matmul_ops{}) &&
         resolve_to<Policy, precision<Low, float, float>>(pointwise_ops{}) &&
         resolve_to<Policy, f32>(transcendental_ops{}) &&
         resolve_to<Policy, f32>(reduction_ops{}) && resolve_to<Policy, f32>(normalization_ops{}) &&
         resolve_to<Policy, f32>(loss_ops{});
}
static_assert(autocast_style<p::mixed_fp16, half>());
static_assert(has_roles<p::mixed_fp16, half, float, float, half, float>());
static_assert(p::mixed_fp16::loss_scaling_mode == mp::loss_scale::dynamic);
static_assert(autocast_style<p::mixed_bf16, bf16>());
static_assert(has_roles<p::mixed_bf16, bf16, float, float, bf16, float>());
static_assert(p::mixed_bf16::loss_scaling_mode == mp::loss_scale::none);

static_assert(all_resolve_to<p::pure_fp16, precision<half, half, half>>(all_lists{}));
static_assert(has_roles<p::pure_fp16, half, half, half, half, half>());
static_assert(p::pure_fp16::loss_scaling_mode == mp::loss_scale::dynamic);
static_assert(all_resolve_to<p::pure_bf16, precision<bf16, bf16, bf16>>(all_lists{}));
static_assert(has_roles<p::pure_bf16, bf16, bf16, bf16, bf16, bf16>());

static_assert(resolve_to<p::pure_bf16_sr, precision<bf16_sr, bf16, bf16>>(
    mp::op_list<ops::optimizer_update>{}));
static_assert(resolve_to<p::pure_bf16_sr, precision<bf16, bf16, bf16>>(
    mp::op_list<ops::matmul, ops::add, ops::exp, ops::sum, ops::softmax, ops::mse>{}));
static_assert(has_roles<p::pure_bf16_sr, bf16_sr, bf16_sr, bf16, bf16, bf16>());

static_assert(resolve_to<p::fp8_hybrid, precision<mp::float8_e4m3, float, float, bf16>,
                         pass::forward>(matmul_ops{}));
static_assert(resolve_to<p::fp8_hybrid, precision<mp::float8_e5m2, float, float, bf16>,
                         pass::backward_data, pass::backward_weight>(matmul_ops{}));
static_assert(resolve_to<p::fp8_hybrid, precision<bf16, float, float>>(pointwise_ops{}));
static_assert(resolve_to<p::fp8_hybrid, f32>(transcendental_ops{}) &&
              resolve_to<p::fp8_hybrid, f32>(reduction_ops{}) &&
              resolve_to<p::fp8_hybrid, f32>(normalization_ops{}) &&
              resolve_to<p::fp8_hybrid, f32>(loss_ops{}));
static_assert(has_roles<p::fp8_hybrid, mp::float8_e4m3, float, float, bf16, float>());
static_assert(p::fp8_hybrid::tensor_scaling_mode == mp::tensor_scale::per_tensor);

static_assert(resolve_to<p::fp16_accumulate, precision<half, float, half>>(matmul_ops{}));
static_assert(resolve_to<p::fp16_accumulate, precision<half, float, float>>(pointwise_ops{}));
static_assert(resolve_to<p::fp16_accumulate, f32>(loss_ops{}) &&
              resolve_to<p::fp16_accumulate, f32>(reduction_ops{}));
static_assert(p::fp16_accumulate::allows(mp::mistake::narrow_accumulation));
static_assert(!p::mixed_fp16::allows(mp::mistake::narrow_accumulation));

// ---- resolution: the most specific rule wins ----------------------------------------------

using e4 = precision<mp::float8_e4m3, float, float>;
using e5 = precision<mp::float8_e5m2, float, float>;
using b = precision<bf16, float, float>;
using specific = mp::policy<
    // Rules in an order that does not match their specificity.
    mp::rule<ops::matmul, e5, pass::backward_weight>,                          // op and pass
    mp::rule<mp::categories::matmul, f32>,                                     // category
    mp::rule<ops::matmul, b>,                                                  // op
    mp::rule<mp::categories::matmul, e4, pass::forward, pass::backward_data>,  // category, pass
    mp::default_precision<precision<half, float, float>>, mp::loss_scaling<mp::loss_scale::fixed>>;
static_assert(std::is_same_v<mp::precision_for<specific, ops::matmul, pass::backward_weight>, e5>);
static_assert(std::is_same_v<mp::precision_for<specific, ops::matmul, pass::forward>, b>);
static_assert(std::is_same_v<mp::precision_for<specific, ops::matmul, pass::backward_data>, b>);
static_assert(std::is_same_v<mp::precision_for<specific, ops::add>, precision<half, float, float>>);
static_assert(std::is_same_v<mp::storage_t<specific, ops::add>, half>);
static_assert(std::is_same_v<mp::compute_t<specific, ops::add>, float>);
static_assert(std::is_same_v<mp::accumulate_t<specific, ops::add>, float>);
static_assert(std::is_same_v<mp::output_t<specific, ops::add>, half>);
static_assert(std::is_same_v<mp::output_t<p::fp8_hybrid, ops::matmul>, bf16>);
// The roles default to the default precision's storage type.
static_assert(has_roles<specific, half, half, half, half, half>());

// A category rule for one pass beats a category rule for all passes, and leaves the others.
using by_pass =
    mp::policy<mp::default_precision<f32>, mp::rule<mp::categories::loss, b, pass::backward_data>,
               mp::rule<mp::categories::loss, precision<double>>>;
static_assert(std::is_same_v<mp::precision_for<by_pass, ops::mse, pass::backward_data>, b>);
static_assert(
    std::is_same_v<mp::precision_for<by_pass, ops::mse, pass::forward>, precision<double>>);
static_assert(std::is_same_v<mp::precision_for<by_pass, ops::relu, pass::backward_data>, f32>);

static_assert(mp::policy_type<p::mixed_bf16> && mp::policy_type<specific> &&
              !mp::policy_type<f32> && !mp::policy_type<int>);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class... Ps>
void check_tables_in_docs(const std::string& docs, p::preset_list<Ps...>) {
  (
      [&] {
        const std::string table = mp::policy_table<Ps>();
        INFO("preset " << Ps::name << ":\n" << table);
        CHECK(docs.find(table) != std::string::npos);
        CHECK(mp::policy_table(Ps::name) == table);
      }(),
      ...);
}

}  // namespace

TEST_SUITE("policy/policy") {
  TEST_CASE("every preset's table is the one in docs/policies.md") {
    const std::string docs = read_file(std::string(MIXPREC_SOURCE_DIR) + "/docs/policies.md");
    check_tables_in_docs(docs, p::all{});
  }

  TEST_CASE("table cells: storage, compute, accumulate, rounding") {
    const std::string t = mp::policy_table<p::fp8_hybrid>();
    CHECK(t.find("| matmul           | matmul         | e4m3, fp32, fp32 -> bf16, rne | "
                 "e5m2, fp32, fp32 -> bf16, rne | e5m2, fp32, fp32 -> bf16, rne |") !=
          std::string::npos);
    CHECK(t.find("tensor scaling: per_tensor") != std::string::npos);
    const std::string sr = mp::policy_table<p::pure_bf16_sr>();
    CHECK(sr.find("| optimizer_update | pointwise      | bf16/sr, bf16, bf16, sr |") !=
          std::string::npos);
    CHECK(sr.find("| weights          | bf16/sr | sr ") != std::string::npos);
    CHECK(mp::policy_table<specific>().rfind("policy custom\n", 0) == 0);
  }

  TEST_CASE("a preset chosen by name runs its compile-time type") {
    std::string seen;
    for (std::string_view name : mp::preset_names) {
      seen += mp::with_preset(name, [](auto policy) {
        using P = decltype(policy);
        return std::string(P::name) + "=" + mp::type_short_name<mp::storage_t<P, ops::matmul>>() +
               " ";
      });
    }
    CHECK(seen ==
          "fp32=fp32 mixed_fp16=fp16 mixed_bf16=bf16 pure_fp16=fp16 pure_bf16=bf16 "
          "pure_bf16_sr=bf16 fp8_hybrid=e4m3 fp16_accumulate=fp16 ");
  }

  TEST_CASE("an unknown preset name is an error listing the valid names") {
    CHECK_THROWS_WITH_AS(mp::with_preset("bf16", [](auto) { return 0; }),
                         "with_preset: unknown preset 'bf16'; valid names: fp32, mixed_fp16, "
                         "mixed_bf16, pure_fp16, pure_bf16, pure_bf16_sr, fp8_hybrid, "
                         "fp16_accumulate",
                         mp::error);
    CHECK_THROWS_AS(mp::policy_table(""), mp::error);
  }
}
