// suggest.cpp — closestName(): the optimal-string-alignment distance (edits,
// an adjacent swap counted as one) to each candidate, the closest within a
// limit winning.
#include "suggest.h"

#include <algorithm>

namespace flow::detail {
namespace {

std::size_t distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(n, m);
}

}  // namespace

std::string closestName(std::string_view word, const std::vector<std::string>& candidates,
                        Closeness closeness) {
  // A command-line word is short; one longer than any name is no typo of one.
  if (word.empty() || word.size() > 256) return "";
  const std::size_t third = std::max<std::size_t>(1, word.size() / 3);
  const std::size_t limit =
      closeness == Closeness::Near ? third : std::min(word.size() - 1, std::max<std::size_t>(2, third));
  if (limit == 0) return "";
  std::string best;
  std::size_t bestDistance = limit + 1;
  for (const std::string& c : candidates) {
    if (c == word || c.size() > word.size() + limit || word.size() > c.size() + limit) continue;
    const std::size_t dist = distance(word, c);
    if (dist < bestDistance) {
      bestDistance = dist;
      best = c;
    }
  }
  return best;
}

}  // namespace flow::detail
