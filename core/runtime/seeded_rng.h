// Counter-based randomness for training. Every random choice (data order,
// crops, flips, masks, probe subsets) is drawn from a generator seeded by
// (run seed, stream, counters), so a step's inputs are a pure function of
// the seed and the step: resuming is exact and worker threads cannot change
// the outcome. SplitMix64 is used instead of <random> distributions, whose
// results differ between standard libraries.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace mae {

// Independent streams of the same run seed.
enum class RngStream : uint64_t {
  DataOrder = 1,
  Crop = 2,
  Mask = 3,
  Probe = 4,
  Preview = 5,
  Init = 6,
  Finetune = 7 // fine-tuning's order, shifts and flips
};

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A well-mixed seed for (seed, stream, a, b).
inline uint64_t derive_seed(uint64_t seed, RngStream stream, uint64_t a = 0, uint64_t b = 0) {
  uint64_t s = seed;
  uint64_t h = splitmix64(s);
  for (uint64_t v : {static_cast<uint64_t>(stream), a, b}) {
    s = h ^ v;
    h = splitmix64(s);
  }
  return h;
}

class SeededRng {
public:
  explicit SeededRng(uint64_t seed) : state_(seed) {}
  SeededRng(uint64_t seed, RngStream stream, uint64_t a = 0, uint64_t b = 0)
      : state_(derive_seed(seed, stream, a, b)) {}

  uint64_t next() { return splitmix64(state_); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-40).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

private:
  uint64_t state_;
};

} // namespace mae
