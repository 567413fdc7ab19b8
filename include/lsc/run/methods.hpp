#pragma once
// The learning methods of `lsc train`, in one table: a new method is one row here and its
// learner; the CLI's choices and help, the bindings and resolve_defaults() read the table (in the
// style of experiment/registry.cpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lsc/data/batch_source.hpp"
#include "lsc/learn/learner.hpp"
#include "lsc/model/model.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc::run {

struct TrainConfig;

struct TrainMethod {
  std::string name, description;
  // How it reaches the coefficients: posterior samples (π, σ, λ learnable), a StepEngine
  // (--dtype, --backend), unit-norm columns by default.
  bool sampling = false, engine = false, normalize = false;
  PriorKind prior = PriorKind::l1;  // default prior
  std::uint64_t steps = 0;          // documented defaults (docs/parameters.md)
  Real tau_A = 0;
  std::uint64_t tau_x = 200;
  // The learner of a resolved configuration.
  std::function<std::unique_ptr<Learner>(const TrainConfig&, Model, const BatchSource&, const LearnerOptions&)> make;
};

const std::vector<TrainMethod>& train_method_table();
// The row of `name`; throws Error naming the methods there are.
const TrainMethod& train_method(const std::string& name);

}  // namespace lsc::run
