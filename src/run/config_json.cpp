#include "lsc/run/config_json.hpp"

namespace lsc::run {

using nlohmann::json;

json config_json(const TrainConfig& c) {
  json j{{"method", c.method},
              {"K", c.K},
              {"learn_pi", c.learn_pi},
              {"learn_sigma", c.learn_sigma},
              {"learn_lambda", c.learn_lambda},
              {"initial", {{"pi", c.pi}, {"lambda", c.lambda}, {"sigma", c.sigma}}},
              {"steps", c.steps},
              {"batch", c.batch},
              {"tau_u", c.tau_u},
              {"tau_A", c.tau_A},
              {"tau_x", c.tau_x},
              {"hold_burn_in", c.hold_burn_in.value_or(0)},
              {"tau_u0", c.tau_u0},
              {"tau_sigma", c.tau_sigma},
              {"tau_lambda", c.tau_lambda},
              {"inner_steps", c.inner_steps},
              {"sampler", c.sampler},
              {"target_accept", c.target_accept.value_or(0)},
              {"dead_zone_jumps", c.dead_zone_jumps},
              {"temperature", c.temperature},
              {"normalize", c.normalize.value_or(false)},
              {"init_scale", c.init_scale},
              {"seed", c.seed}};
  // Only svae has a learning rate; the other methods' configurations stay as they were.
  if (c.method == "svae") j["lr"] = c.lr;
  if (c.var_goal > 0) j["var_goal"] = c.var_goal;
  if (!c.dtype.empty()) {
    j["dtype"] = c.dtype;
    j["backend"] = c.backend;
  }
  return j;
}

}  // namespace lsc::run
