// mixprec-explain: how a decimal value is stored in each number format of mixprec, or what a
// code of one format means. One line per format, from mixprec::describe():
//
//   $ mixprec-explain 0.1
//   $ mixprec-explain --format e4m3 --rounding upward 0.1
//   $ mixprec-explain --bits 0x3c00 --format fp16
//   $ mixprec-explain --policy mixed_bf16
//
// The decimal text is parsed exactly and rounded once into each format (mixprec::from_chars into
// the target type itself, never through double). Exit status: 0, or 2 for bad arguments.
#include <cstdint>
#include <iostream>
#include <limits>
#include <mixprec/format/describe.hpp>
#include <mixprec/format/info.hpp>
#include <mixprec/format/io.hpp>
#include <mixprec/mixprec.hpp>
#include <mixprec/policy/table.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::rounding;

constexpr const char* usage_text =
    "usage: mixprec-explain [--format NAME] [--rounding MODE] VALUE...\n"
    "       mixprec-explain --bits CODE --format NAME\n"
    "       mixprec-explain --policy PRESET\n"
    "       mixprec-explain --help\n"
    "\n"
    "Shows how each decimal VALUE is stored in every number format of mixprec (or in one, with\n"
    "--format): the exact decimal is rounded once with MODE (default nearest_even), and the\n"
    "result is shown as its code, sign, exponent and significand fields, class, exact value,\n"
    "ulp and neighbours. With --bits, decodes CODE (0x hex, 0b binary or decimal) instead.\n"
    "\n"
    "  --format NAME    fp16 bf16 fp32 tf32 e4m3 e5m2 e4m3fnuz e5m2fnuz e3m2 e2m3 e2m1 e8m0\n"
    "  --rounding MODE  nearest_even nearest_away toward_zero upward downward to_odd stochastic\n"
    "                   (stochastic: one draw, its random bits a function of the value)\n"
    "  --bits CODE      the code to decode; needs --format\n"
    "  --policy PRESET  the precision table of a preset policy: fp32 mixed_fp16 mixed_bf16\n"
    "                   pure_fp16 pure_bf16 pure_bf16_sr fp8_hybrid fp16_accumulate\n"
    "  -h, --help       this help\n"
    "\n"
    "VALUE: [+-]digits[.digits][e[+-]digits], inf or nan. Examples:\n"
    "  mixprec-explain 0.1\n"
    "  mixprec-explain --format e4m3 --rounding upward 0.1\n"
    "  mixprec-explain --bits 0x3c00 --format fp16\n"
    "  mixprec-explain --policy mixed_bf16\n";

template <class... Formats>
struct format_list {};
using all_formats = format_list<fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3, fm::e5m2,
                                fm::e4m3fnuz, fm::e5m2fnuz, fm::e3m2, fm::e2m3, fm::e2m1, fm::e8m0>;

constexpr const char* rounding_names[] = {"nearest_even", "nearest_away", "toward_zero", "upward",
                                          "downward",     "to_odd",       "stochastic"};
constexpr rounding rounding_values[] = {
    rounding::nearest_even, rounding::nearest_away, rounding::toward_zero, rounding::upward,
    rounding::downward,     rounding::to_odd,       rounding::stochastic};

// A bad command line: what is wrong, for the message before the usage.
struct usage_error {
  std::string message;
};

struct request {
  std::vector<std::string> values;
  std::optional<std::string> format;  // every format when absent
  rounding mode = rounding::nearest_even;
  std::optional<std::string> bits;
  std::optional<std::string> policy;
  bool help = false;
};

std::string format_names() {
  std::string names;
  const auto add = [&names]<class... F>(format_list<F...>) {
    ((names += (names.empty() ? "" : " ") + std::string(F::name)), ...);
  };
  add(all_formats{});
  return names;
}

bool is_format_name(const std::string& name) {
  const auto find = [&name]<class... F>(format_list<F...>) { return ((name == F::name) || ...); };
  return find(all_formats{});
}

rounding parse_rounding(const std::string& name) {
  for (std::size_t i = 0; i < std::size(rounding_names); ++i) {
    if (name == rounding_names[i]) return rounding_values[i];
  }
  throw usage_error{"unknown rounding mode '" + name +
                    "' (modes: nearest_even nearest_away toward_zero upward downward to_odd "
                    "stochastic)"};
}

const char* rounding_name(rounding r) {
  for (std::size_t i = 0; i < std::size(rounding_values); ++i) {
    if (r == rounding_values[i]) return rounding_names[i];
  }
  return "?";
}

// Whether the whole text is a number that from_chars accepts (fp32 has infinity and NaN, so
// only malformed text fails; a finite value out of fp32's range still is a number).
bool is_number(const std::string& text) {
  mixprec::float32 x{};
  const auto [ptr, ec] = mixprec::from_chars(text.data(), text.data() + text.size(), x);
  return (ec == std::errc{} || ec == std::errc::result_out_of_range) &&
         ptr == text.data() + text.size();
}

request parse_arguments(const std::vector<std::string>& args) {
  request r;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.empty() || arg[0] != '-' || is_number(arg)) {
      r.values.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      r.help = true;
      continue;
    }
    // --name VALUE or --name=VALUE
    std::string name = arg, value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name != "--format" && name != "--rounding" && name != "--bits" && name != "--policy") {
      throw usage_error{"unknown option '" + arg + "'"};
    }
    if (!has_value) {
      if (i + 1 >= args.size()) throw usage_error{name + " needs a value"};
      value = args[++i];
    }
    if (name == "--format") {
      if (!is_format_name(value)) {
        throw usage_error{"unknown format '" + value + "' (formats: " + format_names() + ")"};
      }
      r.format = value;
    } else if (name == "--rounding") {
      r.mode = parse_rounding(value);
    } else if (name == "--policy") {
      bool known = false;
      std::string names;
      for (std::string_view n : mixprec::preset_names) {
        known = known || n == value;
        names += (names.empty() ? "" : " ") + std::string(n);
      }
      if (!known) throw usage_error{"unknown policy '" + value + "' (presets: " + names + ")"};
      r.policy = value;
    } else {
      r.bits = value;
    }
  }
  if (r.help) return r;
  if (r.policy) {
    if (r.bits || r.format || !r.values.empty()) {
      throw usage_error{"--policy takes no other option or value"};
    }
    return r;
  }
  if (r.bits) {
    if (!r.format) throw usage_error{"--bits needs --format"};
    if (!r.values.empty()) throw usage_error{"give either --bits or values, not both"};
  } else if (r.values.empty()) {
    throw usage_error{"no value to explain"};
  }
  for (const std::string& v : r.values) {
    if (!is_number(v)) throw usage_error{"'" + v + "' is not a number"};
  }
  return r;
}

// "0x..", "0b.." or decimal digits, as an unsigned 64-bit number.
std::optional<std::uint64_t> parse_code(const std::string& text) {
  int base = 10;
  std::size_t i = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) base = 16, i = 2;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B')) base = 2, i = 2;
  if (i >= text.size()) return std::nullopt;
  std::uint64_t code = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (c == '\'' || c == '_') continue;  // digit separators
    if (digit < 0 || digit >= base) return std::nullopt;
    if (code > (std::numeric_limits<std::uint64_t>::max() - static_cast<unsigned>(digit)) /
                   static_cast<unsigned>(base)) {
      return std::nullopt;
    }
    code = code * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
  }
  return code;
}

// Whether decimal text has a nonzero digit before any exponent ("0.0e5" has none).
bool has_nonzero_digit(const std::string& text) {
  for (const char c : text) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

// The value `text` rounded once into T, and what to say when the text does not fit T: a finite
// value beyond T's range (the overflow rule of T's mode gives the result), a negative value for
// the unsigned e8m0 (NaN), inf / nan in a format without them (converted as from a float), or a
// nonzero value that underflows to zero.
template <class T>
void explain_value(const std::string& text, std::ostream& out) {
  using F = typename T::format;
  using info = mixprec::format_info<F>;
  T x{};
  std::string note;
  const auto [ptr, ec] = mixprec::from_chars(text.data(), text.data() + text.size(), x);
  if (ec == std::errc::result_out_of_range) {
    const bool negative = text[0] == '-';
    x = T(negative ? -std::numeric_limits<double>::max() : std::numeric_limits<double>::max());
    if (negative && !info::is_signed) {
      note = std::string(F::name) + " has no sign: a negative value becomes NaN";
    } else {
      note = "beyond " + std::string(F::name) + "'s largest finite value " +
             mixprec::to_exact_string(std::numeric_limits<floating<F>>::max()) + ": an overflow";
    }
  } else if (ec != std::errc{}) {  // inf or nan, which F lacks (the text is a number)
    const auto wide = mixprec::parse<mixprec::float32>(text);
    x = T(wide);
    note = std::string(F::name) + " has no " + (mixprec::isnan(wide) ? "NaN" : "infinity") + ": " +
           text + " converts to " + mixprec::describe(x).exact_decimal;
  } else if (mixprec::iszero(x) && has_nonzero_digit(text)) {
    note = "underflow: " + text + " is too small for " + F::name + " and rounds to zero";
  }
  const mixprec::description d = mixprec::describe(x);
  out << d << '\n';
  if (!note.empty()) out << "    note: " << note << '\n';
}

template <class T>
void explain_bits(std::uint64_t code, const std::string& text, std::ostream& out) {
  using info = mixprec::format_info<typename T::format>;
  const int width = info::bits + info::padding_bits;
  if (width < 64 && code >> width != 0) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string max;
    for (std::uint64_t m = (std::uint64_t{1} << width) - 1; m != 0; m >>= 4) {
      max.insert(max.begin(), digits[m & 0xF]);
    }
    throw usage_error{"code " + text + " is out of range for " + info::name + ", whose codes are " +
                      std::to_string(width) + " bits: 0x0 to 0x" + max};
  }
  out << mixprec::describe(T::from_bits(static_cast<typename T::storage>(code))) << '\n';
}

// Explains `value` (or the code of the request) in format F with the requested rounding, which
// becomes a template parameter here.
template <class F>
void run_format(const request& r, const std::string& value, std::ostream& out) {
  const auto run = [&]<rounding R>() {
    using T = floating<F, R>;
    if (r.bits) {
      explain_bits<T>(*parse_code(*r.bits), *r.bits, out);
    } else {
      explain_value<T>(value, out);
    }
  };
  switch (r.mode) {
    case rounding::nearest_even:
      return run.template operator()<rounding::nearest_even>();
    case rounding::nearest_away:
      return run.template operator()<rounding::nearest_away>();
    case rounding::toward_zero:
      return run.template operator()<rounding::toward_zero>();
    case rounding::upward:
      return run.template operator()<rounding::upward>();
    case rounding::downward:
      return run.template operator()<rounding::downward>();
    case rounding::to_odd:
      return run.template operator()<rounding::to_odd>();
    case rounding::stochastic:
      return run.template operator()<rounding::stochastic>();
  }
}

/// The whole program: `args` without the program name; output to `out`, errors and the usage
/// to `err`. Returns the exit status: 0, or 2 for bad arguments.
int explain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    const request r = parse_arguments(args);
    if (r.help) {
      out << usage_text;
      return 0;
    }
    if (r.policy) {
      out << mixprec::policy_table(*r.policy);
      return 0;
    }
    if (r.bits && !parse_code(*r.bits)) {
      throw usage_error{"'" + *r.bits +
                        "' is not a code (write 0x hex, 0b binary or decimal, below 2^64)"};
    }
    const auto each_format = [&r, &out]<class... F>(format_list<F...>, const std::string& v) {
      ((!r.format || *r.format == F::name ? run_format<F>(r, v, out) : void()), ...);
    };
    if (r.bits) {
      each_format(all_formats{}, *r.bits);
    }
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      out << (i > 0 ? "\n" : "") << r.values[i] << " in "
          << (r.format ? *r.format : std::string("every format"))
          << ", rounded with rounding::" << rounding_name(r.mode) << ":\n";
      each_format(all_formats{}, r.values[i]);
    }
    return 0;
  } catch (const usage_error& e) {
    err << "mixprec-explain: " << e.message << "\n\n" << usage_text;
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return explain(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
