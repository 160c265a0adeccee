// catalog.hpp — the extern functions pipeline.flow declares. The generated
// header includes this file and declares nothing itself for them; the
// signatures must match the `extern` block (Flow `float` is `double`,
// `string` is `std::string`).
#pragma once

#include <string>

/// The price of one unit of `sku`. Throws std::out_of_range for an unknown
/// sku, which fails that item of the pipeline with the exception's message.
double unit_price(const std::string& sku);
