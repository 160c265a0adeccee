// geo.cpp — defines the extern functions of tests/lit/run/extern_records.flow
// on the records that geo.flow.h generates (namespace flowgen::geo).
#include "geo.hpp"

#include <stdexcept>

using flowgen::geo::Point;
using flowgen::geo::Segment;

Point midpoint(const Segment& s) {
  return Point{.x = (s.a.x + s.b.x) / 2, .y = (s.a.y + s.b.y) / 2, .tag = s.a.tag};
}

std::int64_t manhattan(const Point& p) {
  if (p.tag == "bad") throw std::invalid_argument("point tagged bad");
  return (p.x < 0 ? -p.x : p.x) + (p.y < 0 ? -p.y : p.y);
}

std::vector<Point> corners(std::int64_t size) {
  return {Point{.x = 0, .y = 0, .tag = "origin"}, Point{.x = size, .y = size, .tag = "far"}};
}
