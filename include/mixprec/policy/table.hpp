#pragma once
/// \file policy/table.hpp
/// `policy_table<Policy>()`: a policy rendered as text, op x pass -> storage, compute,
/// accumulate and the rounding results are written with; then the role types and the
/// declarations. docs/policies.md holds the table of every preset.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/policy/precision.hpp"
#include "mixprec/policy/presets.hpp"

namespace mixprec {

/// The short name of a rounding mode as the policy tables print it: rne, rna, rz, ru, rd, ro,
/// sr.
constexpr std::string_view rounding_short_name(rounding r) noexcept {
  switch (r) {
    case rounding::nearest_even:
      return "rne";
    case rounding::nearest_away:
      return "rna";
    case rounding::toward_zero:
      return "rz";
    case rounding::upward:
      return "ru";
    case rounding::downward:
      return "rd";
    case rounding::to_odd:
      return "ro";
    case rounding::stochastic:
      return "sr";
  }
  return "?";
}

namespace detail {

/// Rows of cells, printed as a Markdown table with padded columns.
inline std::string render_markdown_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& row) {
    out += '|';
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : std::string();
      out += ' ';
      out += cell;
      out.append(width[c] - cell.size(), ' ');
      out += " |";
    }
    out += '\n';
  };
  for (std::size_t r = 0; r < rows.size(); ++r) {
    line(rows[r]);
    if (r == 0) {
      out += '|';
      for (std::size_t w : width) {
        out.append(w + 2, '-');
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

template <precision_type P>
std::string precision_cell() {
  std::string cell = type_short_name<typename P::storage>();
  cell += ", ";
  cell += type_short_name<typename P::compute>();
  cell += ", ";
  cell += type_short_name<typename P::accumulate>();
  if constexpr (!std::is_same_v<typename P::output, typename P::storage>) {
    cell += " -> ";
    cell += type_short_name<typename P::output>();
  }
  cell += ", ";
  cell += rounding_short_name(rounding_of<typename P::output>());
  return cell;
}

/// The cell of op Op in pass Pass: its precision, or "input type" for a layout op that no rule
/// names (reshape and transpose keep their input's type).
template <class Policy, class Op, pass Pass>
std::string op_cell() {
  if constexpr (Op::op_category == category::layout && !has_rule_v<Policy, Op, Pass>) {
    return "input type";
  } else {
    return precision_cell<precision_for<Policy, Op, Pass>>();
  }
}

template <class Policy, class Op>
std::vector<std::string> op_row() {
  return {std::string(Op::name), std::string(category_name(Op::op_category)),
          op_cell<Policy, Op, pass::forward>(), op_cell<Policy, Op, pass::backward_data>(),
          op_cell<Policy, Op, pass::backward_weight>()};
}

template <class Policy, class... Ops>
void append_op_rows(std::vector<std::vector<std::string>>& rows, op_list<Ops...>) {
  (rows.push_back(op_row<Policy, Ops>()), ...);
}

template <class Policy, role R>
std::vector<std::string> role_row() {
  using T = role_t<Policy, R>;
  return {std::string(role_name(R)), type_short_name<T>(),
          std::string(rounding_short_name(rounding_of<T>()))};
}

inline std::string_view loss_scale_name(loss_scale l) noexcept {
  switch (l) {
    case loss_scale::none:
      return "none";
    case loss_scale::fixed:
      return "fixed";
    case loss_scale::dynamic:
      return "dynamic";
  }
  return "?";
}

template <class Policy>
constexpr std::string_view policy_name_of() noexcept {
  if constexpr (requires { Policy::name; }) {
    return Policy::name;
  } else {
    return "custom";
  }
}

}  // namespace detail

/// `Policy` as text: a Markdown table with one row per op and one column per pass, each cell
/// "storage, compute, accumulate, rounding" (the rounding results are written with, that of
/// the storage type), or "storage, compute, accumulate -> output, rounding" when results are
/// written in a type other than the storage type; a table of the role types; then the loss scaling,
/// the tensor scaling and the mistakes the policy allows.
template <policy_type Policy>
std::string policy_table() {
  std::string out = "policy ";
  out += detail::policy_name_of<Policy>();
  if constexpr (requires { Policy::summary; }) {
    out += ": ";
    out += Policy::summary;
  }
  out += "\n\n";

  std::vector<std::vector<std::string>> ops_rows{
      {"op", "category", "forward", "backward_data", "backward_weight"}};
  detail::append_op_rows<Policy>(ops_rows, all_ops{});
  out += detail::render_markdown_table(ops_rows);
  out += "\n";

  out += detail::render_markdown_table({{"role", "type", "written with"},
                                        detail::role_row<Policy, role::weights>(),
                                        detail::role_row<Policy, role::master_weights>(),
                                        detail::role_row<Policy, role::weight_grads>(),
                                        detail::role_row<Policy, role::activation_grads>(),
                                        detail::role_row<Policy, role::optimizer_state>()});
  out += "\nloss scaling: ";
  out += detail::loss_scale_name(Policy::loss_scaling_mode);
  out += "\ntensor scaling: ";
  out += Policy::tensor_scaling_mode == tensor_scale::per_tensor ? "per_tensor" : "none";
  out += "\nallowed: ";
  std::string allowed;
  if (Policy::allows(mistake::narrow_accumulation)) allowed += "narrow_accumulation";
  if (Policy::allows(mistake::unscaled_narrow_gradients)) {
    if (!allowed.empty()) allowed += ", ";
    allowed += "unscaled_narrow_gradients";
  }
  out += allowed.empty() ? "none" : allowed;
  out += '\n';
  return out;
}

/// The table of the preset named `name` (an unknown name throws, listing the valid ones).
inline std::string policy_table(std::string_view name) {
  return with_preset(name, [](auto p) { return policy_table<decltype(p)>(); });
}

}  // namespace mixprec
