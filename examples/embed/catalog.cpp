// catalog.cpp — defines the extern functions of pipeline.flow. Runs on the
// pipeline's worker threads, possibly several calls at once: it only reads
// constant data. It should stay short and CPU-bound (a blocking call would
// stall a scheduler thread); a long computation can check its item's
// deadline through flow::Context::current() (see docs/embedding.md).
#include "catalog.hpp"

#include <map>
#include <stdexcept>

double unit_price(const std::string& sku) {
  static const std::map<std::string, double> prices = {
      {"apple", 0.5},
      {"bread", 2.25},
      {"cheese", 7.0},
  };
  const auto it = prices.find(sku);
  if (it == prices.end()) throw std::out_of_range("unknown sku `" + sku + "`");
  return it->second;
}
