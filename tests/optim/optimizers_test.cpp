// Optimizers beyond the recorded trajectories: Keras's argument errors, exact save and restore of
// the state, constraints holding after every step of a longer run with every optimizer, and the
// same loop written with autograd::grad.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cmath>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::vector<std::unique_ptr<optim::Optimizer>> every_optimizer() {
  std::vector<std::unique_ptr<optim::Optimizer>> all;
  all.push_back(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}));
  all.push_back(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.05, .amsgrad = true}));
  all.push_back(std::make_unique<optim::AdamW>(optim::AdamWOptions{.learning_rate = 0.05}));
  all.push_back(std::make_unique<optim::RMSprop>(optim::RMSpropOptions{.learning_rate = 0.05, .momentum = 0.5, .centered = true}));
  all.push_back(std::make_unique<optim::Adagrad>(optim::AdagradOptions{.learning_rate = 0.1}));
  all.push_back(std::make_unique<optim::Adadelta>(optim::AdadeltaOptions{.learning_rate = 1.0}));
  all.push_back(std::make_unique<optim::Adamax>(optim::AdamaxOptions{.learning_rate = 0.05}));
  all.push_back(std::make_unique<optim::Nadam>(optim::NadamOptions{.learning_rate = 0.05}));
  return all;
}

struct Problem {
  std::unique_ptr<layers::Conv1D> conv;
  Tensor x, y;
  double loss_step(optim::Optimizer& optimizer) {
    const Tensor loss = mean(square((*conv)(x) - y));
    loss.backward();
    optimizer.step(conv->trainable_weights());
    for (const auto& weight : conv->trainable_weights()) weight->value().zero_grad();
    return loss.item();
  }
};

Problem make_problem(const constraints::Constraint& constraint, std::uint64_t seed) {
  Generator generator(seed);
  Problem problem{std::make_unique<layers::Conv1D>(layers::Conv1DOptions{.filters = 3, .kernel_size = 3, .padding = "causal",
                                  .kernel_initializer = initializers::RandomNormal{.stddev = 1.0, .seed = seed},
                                  .kernel_constraint = constraint, .name = "conv", .dtype = "float64"}),
                  Tensor::normal({4, 10, 2}, 0.0, 1.0, DType::float64, &generator),
                  Tensor::normal({4, 10, 3}, 0.0, 2.0, DType::float64, &generator)};
  problem.conv->build(problem.x.shape());
  return problem;
}

}  // namespace

TEST_CASE("constraints hold after every step of a longer run, with every optimizer") {
  const std::vector<std::pair<std::string, constraints::Constraint>> bounded = {
      {"MaxNorm(0.5)", constraints::MaxNorm{.max_value = 0.5}},
      {"NonNeg", constraints::NonNeg{}},
      {"UnitNorm(axis 0, 1)", constraints::UnitNorm{.axis = {0, 1}}},
      {"MinMaxNorm(0.3, 0.6)", constraints::MinMaxNorm{.min_value = 0.3, .max_value = 0.6}},
  };
  for (const auto& bounded_case : bounded) {
    const std::string& label = bounded_case.first;
    const constraints::Constraint& constraint = bounded_case.second;
    for (auto& optimizer : every_optimizer()) {
      CAPTURE(label);
      CAPTURE(optimizer->name());
      Problem problem = make_problem(constraint, 3);
      for (int step = 0; step < 25; ++step) {
        problem.loss_step(*optimizer);
        const Tensor kernel = problem.conv->kernel();
        if (label == "NonNeg") {
          CHECK(min(kernel).item() >= 0.0);
          continue;
        }
        const std::vector<std::int64_t> axes = label.rfind("UnitNorm", 0) == 0 ? std::vector<std::int64_t>{0, 1}
                                                                              : std::vector<std::int64_t>{0};
        const Tensor norms = sqrt(sum(square(kernel), axes));
        if (label.rfind("MaxNorm", 0) == 0) CHECK(max(norms).item() <= 0.5);
        if (label.rfind("UnitNorm", 0) == 0) CHECK(max(abs(norms - 1.0)).item() <= 1e-6);
        if (label.rfind("MinMaxNorm", 0) == 0) {
          CHECK(max(norms).item() <= 0.6);
          CHECK(min(norms).item() >= 0.3 - 1e-6);
        }
      }
    }
  }
}

TEST_CASE("a saved optimizer state resumes the run exactly") {
  for (std::size_t which = 0; which < every_optimizer().size(); ++which) {
    auto straight = std::move(every_optimizer()[which]);
    CAPTURE(straight->name());
    Problem reference = make_problem({}, 5);
    for (int step = 0; step < 6; ++step) reference.loss_step(*straight);

    auto first = std::move(every_optimizer()[which]);
    Problem interrupted = make_problem({}, 5);
    for (int step = 0; step < 3; ++step) interrupted.loss_step(*first);
    const auto saved_state = first->variables();
    const auto saved_weights = interrupted.conv->get_weights();

    auto second = std::move(every_optimizer()[which]);
    Problem resumed = make_problem({}, 5);
    resumed.conv->set_weights(saved_weights);
    second->build(resumed.conv->trainable_weights());
    second->load_variables(saved_state);
    CHECK(second->iterations() == 3);
    for (int step = 0; step < 3; ++step) resumed.loss_step(*second);
    CHECK(resumed.conv->kernel().to_vector() == reference.conv->kernel().to_vector());
    CHECK(resumed.conv->bias().to_vector() == reference.conv->bias().to_vector());
  }
}

TEST_CASE("the custom loop with autograd::grad and apply gives the same step as backward and step") {
  Problem with_backward = make_problem({}, 7), with_grad = make_problem({}, 7);
  optim::Adam first({.learning_rate = 0.01}), second({.learning_rate = 0.01});
  for (int step = 0; step < 3; ++step) {
    with_backward.loss_step(first);
    const auto weights = with_grad.conv->trainable_weights();
    const Tensor loss = mean(square((*with_grad.conv)(with_grad.x) - with_grad.y));
    std::vector<Tensor> values;
    for (const auto& weight : weights) values.push_back(weight->value());
    second.apply(autograd::grad({loss}, values), weights);
    CHECK_FALSE(weights[0]->value().has_grad());
  }
  CHECK(with_grad.conv->kernel().to_vector() == with_backward.conv->kernel().to_vector());
}

TEST_CASE("optimizer arguments are checked as Keras checks them") {
  CHECK_THROWS_WITH_AS(optim::SGD({.learning_rate = 0.1, .clipnorm = 1.0, .clipvalue = 0.5, .name = "s"}),
                       "SGD 's': invalid argument `clipnorm`: only one of clipnorm, clipvalue and global_clipnorm can be "
                       "set, received clipnorm=1.0, clipvalue=0.5, global_clipnorm=null",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::SGD({.momentum = 1.5, .name = "s"}),
                       "SGD 's': invalid argument `momentum`: expected a float in [0, 1], received momentum=1.5", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adam({.clipnorm = -1.0, .name = "a"}),
                       "Adam 'a': invalid argument `clipnorm`: expected a non-negative finite float, received clipnorm=-1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::SGD({.learning_rate = optim::ExponentialDecay{.initial_learning_rate = 0.1, .decay_steps = 0,
                                                                             .decay_rate = 0.5},
                                   .name = "s"}),
                       "SGD 's': invalid argument `decay_steps`: expected a positive number of steps, received decay_steps=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::SGD({.learning_rate = optim::PiecewiseConstantDecay{.boundaries = {1, 2}, .values = {0.1}},
                                   .name = "s"}),
                       "SGD 's': invalid argument `values`: PiecewiseConstantDecay needs one more value than boundaries, "
                       "received 2 boundaries and 1 values",
                       InvalidArgument);
  CHECK_THROWS_AS(optim::get("adamx"), InvalidArgument);
  CHECK(optim::get("Adam")->get_config().at("beta_2") == 0.999);
  CHECK(optim::AdamW().get_config().at("weight_decay") == 0.004);
}

TEST_CASE("an optimizer refuses variables it was not built with, and mismatched gradients") {
  Problem problem = make_problem({}, 9), other = make_problem({}, 10);
  optim::SGD sgd({.name = "s"});
  problem.loss_step(sgd);
  (*other.conv)(other.x);
  CHECK_THROWS_WITH_AS(sgd.apply({Tensor::zeros(other.conv->kernel().shape(), DType::float64)},
                                 {other.conv->trainable_weights()[0]}),
                       doctest::Contains("SGD 's': unknown variable"), StateError);
  CHECK_THROWS_AS(sgd.apply({Tensor::zeros({1}, DType::float64)}, {problem.conv->trainable_weights()[0]}), ShapeError);
  CHECK_THROWS_AS(sgd.apply({}, problem.conv->trainable_weights()), InvalidArgument);
  // A missing gradient skips its variable, as Keras filters None gradients.
  const auto before = problem.conv->bias().to_vector();
  sgd.apply({Tensor::ones(problem.conv->kernel().shape(), DType::float64), Tensor()}, problem.conv->trainable_weights());
  CHECK(problem.conv->bias().to_vector() == before);
}

TEST_CASE("a callable schedule is evaluated at the iteration count") {
  optim::SGD sgd({.learning_rate = [](std::int64_t step) { return 1.0 / double(step + 1); }});
  Problem problem = make_problem({}, 11);
  CHECK(sgd.learning_rate() == 1.0);
  problem.loss_step(sgd);
  CHECK(sgd.learning_rate() == 0.5);
  CHECK(sgd.iterations() == 1);
}
