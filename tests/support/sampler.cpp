#include "sampler.hpp"

namespace lsc::test {

Sampler::Sampler(std::uint64_t seed, SamplerOptions options, Dtype dtype, Backend backend) : options_(options) {
  EngineOptions o;
  o.backend = backend;
  o.dtype = dtype;
  o.sampler = options.kind ? *options.kind : options.metropolis ? SamplerKind::mala : SamplerKind::euler;
  o.precondition = options.precondition;
  o.friction = options.friction;
  o.leapfrog = options.leapfrog;
  o.dead_zone_jumps = options.dead_zone_jumps;
  o.seed = seed;
  o.eps = options.eps;
  o.temperature = options.temperature;
  engine_ = make_step_engine(o);
}

void Sampler::step(const Model& model, const Matrix& X, ChainState& chains) {
  if (&model != model_ || &X != X_ || &chains != chains_ || chains.step != step_) {
    engine_->load(model, chains);
    engine_->set_batch(X);
    model_ = &model;
    X_ = &X;
    chains_ = &chains;
  }
  engine_->run(1);
  Model m;
  engine_->read(m, chains);
  step_ = chains.step;
}

}  // namespace lsc::test
