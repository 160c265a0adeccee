// json_agg_cpp.cpp — W8's hand-written C++ peer, with the JSON library the
// Flow program decodes with (simdjson On-Demand, Debian's libsimdjson-dev,
// default flags as the runtime uses): what a C++ engineer writes for this
// job without Flow, decoding the same 5-field record. One thread reads the file in chunks of 256 lines into a
// bounded queue (common/bounded_queue.h); `pool` threads each decode chunks
// into a padded buffer and add each value to their own map — sums commute,
// so nothing is routed by key: the maps are merged at the end. Values are
// multiples of 0.25: every sum is exact. Prints `checksum S` like
// json_agg.flow (4 × the total + the number of sensors).
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../common/bounded_queue.h"
#include "../common/peer_args.h"

namespace {

using Chunk = std::vector<std::string>;

struct Reading {
  std::string sensor;
  double value = 0;
  std::int64_t at = 0;
  std::string unit;
  bool ok = false;
};

std::string pathFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 7) == "--path=") return std::string(a.substr(7));
  }
  return {};
}

void sumChunks(bench::BoundedQueue<Chunk>& chunks, std::unordered_map<std::string, double>& sums) {
  simdjson::ondemand::parser parser;
  std::string padded;
  Chunk chunk;
  while (chunks.pop(chunk)) {
    for (const std::string& line : chunk) {
      padded.reserve(line.size() + simdjson::SIMDJSON_PADDING);
      padded.assign(line);
      simdjson::ondemand::document doc =
          parser.iterate(simdjson::padded_string_view(padded.data(), line.size(), padded.capacity()));
      // The whole record, as the Flow and Go programs decode it.
      Reading r;
      for (auto field : doc.get_object()) {
        const std::string_view key = field.unescaped_key();
        if (key == "sensor") {
          r.sensor = std::string_view(field.value().get_string());
        } else if (key == "value") {
          r.value = field.value().get_double();
        } else if (key == "at") {
          r.at = field.value().get_int64();
        } else if (key == "unit") {
          r.unit = std::string_view(field.value().get_string());
        } else if (key == "ok") {
          r.ok = field.value().get_bool();
        }
      }
      sums[r.sensor] += r.value;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = pathFlag(argc, argv);
  const auto pool = static_cast<int>(bench::intFlag(argc, argv, "pool", 2));
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    return 1;
  }
  bench::BoundedQueue<Chunk> chunks(16);
  std::vector<std::unordered_map<std::string, double>> sums(static_cast<std::size_t>(pool));
  std::vector<std::thread> workers;
  for (int w = 0; w < pool; ++w) workers.emplace_back(sumChunks, std::ref(chunks), std::ref(sums[w]));
  Chunk chunk;
  std::string line;
  while (std::getline(in, line)) {
    chunk.push_back(std::move(line));
    if (chunk.size() == 256) {
      chunks.push(std::move(chunk));
      chunk = Chunk();
    }
  }
  if (!chunk.empty()) chunks.push(std::move(chunk));
  chunks.close();
  for (auto& t : workers) t.join();
  std::unordered_map<std::string, double> all;
  for (const auto& m : sums)
    for (const auto& [k, v] : m) all[k] += v;
  double total = 0;
  for (const auto& [k, v] : all) total += v;
  std::printf("checksum %lld\n", static_cast<long long>(total * 4) + static_cast<long long>(all.size()));
}
