#pragma once
/// \file mixprec.hpp
/// Everything host-side of mixprec.

#include "mixprec/config.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/aliases.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/classify.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/describe.hpp"
#include "mixprec/format/float_kernels.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/format/info.hpp"
#include "mixprec/format/io.hpp"
#include "mixprec/format/limits.hpp"
#include "mixprec/format/math.hpp"
#include "mixprec/format/rounding.hpp"
#include "mixprec/format/stochastic.hpp"
