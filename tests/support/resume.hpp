#pragma once
// A training run that keeps its first checkpoint, for the tests that resume from it and compare
// with the uninterrupted run.
#include <optional>

#include "lsc/data/batch_source.hpp"
#include "lsc/run/train.hpp"

namespace lsc::test {

struct RunWithCheckpoint {
  run::TrainResult whole;
  std::optional<run::TrainCheckpoint> first;  // the first checkpoint the run wrote
};

inline RunWithCheckpoint train_keeping_first_checkpoint(const run::TrainConfig& c, const BatchSource& data) {
  RunWithCheckpoint r;
  run::TrainCallbacks cb;
  cb.on_checkpoint = [&](const run::TrainCheckpoint& k) {
    if (!r.first) r.first = k;
  };
  r.whole = run::train(c, data, cb);
  return r;
}

}  // namespace lsc::test
