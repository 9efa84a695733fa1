// Functional models as whole models: the same TCN written functionally and as a class trains to
// the same weights step for step; gradients through shared layers and nested models pass
// gradcheck; save_model/load_model keep functional models, nested ones included.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

constexpr std::int64_t steps = 24, filters = 6;
const std::vector<std::int64_t> dilations = {1, 2, 4};

layers::Conv1DOptions block_options(std::int64_t dilation) {
  return {.filters = filters, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation, .activation = "relu",
          .kernel_regularizer = regularizers::L2{.l2 = 1e-3}, .kernel_constraint = constraints::MaxNorm{.max_value = 2.0},
          .dtype = "float64"};
}

// A TCN as a model class: lift to `filters` channels, residual causal blocks, the last step to a Dense.
class ResidualTcn : public models::Model {
 public:
  ResidualTcn() : Model("ResidualTcn", "residual_tcn_class", true, DType::float64, {}) {
    track(lift_);
    for (const auto dilation : dilations) {
      blocks_.push_back(std::make_unique<layers::Conv1D>(block_options(dilation)));
      track(*blocks_.back());
      sums_.push_back(std::make_unique<layers::Add>(layers::AddOptions{.dtype = "float64"}));
      track(*sums_.back());
    }
    track(last_);
    track(flatten_);
    track(head_);
  }
  Shape compute_output_shape(const Shape& input_shape) const override { return {input_shape[0], 2}; }

 protected:
  void check_input(const Shape& input_shape) const override { require_rank_3(input_shape); }
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override {
    Tensor hidden = lift_(inputs);
    for (std::size_t i = 0; i < blocks_.size(); ++i) hidden = (*sums_[i])({hidden, (*blocks_[i])(hidden, training())});
    return head_(flatten_(last_(hidden)));
  }

 private:
  layers::Conv1D lift_{{.filters = filters, .kernel_size = 1, .dtype = "float64"}};
  std::vector<std::unique_ptr<layers::Conv1D>> blocks_;
  std::vector<std::unique_ptr<layers::Add>> sums_;
  layers::Cropping1D last_{{.cropping = {steps - 1, 0}, .dtype = "float64"}};
  layers::Flatten flatten_{{.dtype = "float64"}};
  layers::Dense head_{{.units = 2, .dtype = "float64"}};
};

std::unique_ptr<models::Functional> functional_tcn() {
  using namespace layers;
  auto series = Input({.shape = {steps, 1}, .dtype = "float64", .name = "series"});
  auto hidden = make<Conv1D>({.filters = filters, .kernel_size = 1, .dtype = "float64"})(series);
  for (const auto dilation : dilations)
    hidden = make<Add>({.dtype = "float64"})({hidden, make<Conv1D>(block_options(dilation))(hidden)});
  auto last = make<Flatten>({.dtype = "float64"})(make<Cropping1D>({.cropping = {steps - 1, 0}, .dtype = "float64"})(hidden));
  return std::make_unique<models::Functional>(series, make<Dense>({.units = 2, .dtype = "float64"})(last),
                                              models::FunctionalOptions{.name = "residual_tcn"});
}

// Records every weight after every training batch.
struct WeightsRecorder : models::Callback {
  std::vector<std::vector<Tensor>> after_batch;
  void on_train_batch_end(models::Model& model, int, const models::Logs&) override { after_batch.push_back(model.get_weights()); }
};

}  // namespace

TEST_CASE("a residual TCN written functionally trains as the same model written as a class, step for step") {
  seed_global_generator(11);
  ResidualTcn as_class;
  auto functional = functional_tcn();
  const Tensor x = Tensor::normal({20, steps, 1}, 0.0, 1.0, DType::float64);
  const Tensor y = Tensor::normal({20, 2}, 0.0, 1.0, DType::float64);
  as_class(slice(x, 0, 0, 1));
  REQUIRE(as_class.weights().size() == functional->weights().size());
  as_class.set_weights(functional->get_weights());
  WeightsRecorder class_steps, functional_steps;
  for (auto* model : {static_cast<models::Model*>(&as_class), static_cast<models::Model*>(functional.get())})
    model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse", {"mae"});
  const auto class_history = as_class.fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {&class_steps}, .shuffle = false});
  const auto functional_history =
      functional->fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {&functional_steps}, .shuffle = false});
  REQUIRE(class_steps.after_batch.size() == 9);
  REQUIRE(functional_steps.after_batch.size() == 9);
  for (std::size_t step = 0; step < 9; ++step)
    for (std::size_t i = 0; i < class_steps.after_batch[step].size(); ++i) {
      CAPTURE(step);
      CAPTURE(i);
      CHECK(functional_steps.after_batch[step][i].to_vector() == class_steps.after_batch[step][i].to_vector());
    }
  CHECK(functional_history.history == class_history.history);
  CHECK(functional->losses().size() == dilations.size());  // the L2 penalties, collected from the graph's layers
}

TEST_CASE("gradcheck through a functional model with a shared layer and a nested model") {
  using namespace layers;
  seed_global_generator(3);
  auto e_in = Input({.shape = {6, 2}, .dtype = "float64"});
  auto inner = make<models::Functional>(e_in, make<Conv1D>({.filters = 2, .kernel_size = 2, .padding = "causal", .activation = "tanh",
                                                            .dtype = "float64"})(e_in),
                                        models::FunctionalOptions{});
  auto x = Input({.shape = {6, 2}, .dtype = "float64"});
  auto shared = make<Dense>({.units = 2, .activation = "tanh", .dtype = "float64"});
  auto twice = shared(shared(x));
  auto out = make<Dense>({.units = 1, .dtype = "float64"})(make<Concatenate>({.dtype = "float64"})({inner(x), inner(twice), twice}));
  models::Functional model(x, out);
  std::vector<Tensor> inputs = {Tensor::normal({3, 6, 2}, 0.0, 1.0, DType::float64)};
  for (const auto& weight : model.trainable_weights()) inputs.push_back(weight->value().clone());
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) { return model.stateless_call({in.begin() + 1, in.end()}, in[0]); }, inputs);
  CHECK_MESSAGE(report.passed, report.to_string());
  CHECK(inputs.size() == 1 + 2 + 2 + 2);  // the inner conv, the shared Dense (once) and the head
}

TEST_CASE("save_model and load_model keep functional models, nested Sequential and functional models included") {
  using namespace layers;
  seed_global_generator(5);
  auto e_in = Input({.shape = {10, 3}, .name = "e_in"});
  auto encoder = make<models::Functional>(e_in, make<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal"})(e_in),
                                          models::FunctionalOptions{.name = "encoder"});
  auto block = make<models::Sequential>(models::SequentialOptions{.name = "block"});
  block->add<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "same", .activation = "relu"});
  block->add<LayerNormalization>();
  auto series = Input({.shape = {10, 3}, .name = "series"}), calendar = Input({.shape = {10, 2}, .name = "calendar"});
  auto features = make<Concatenate>()({block(encoder(series)), calendar});
  auto level = make<Dense>({.units = 1, .name = "level"})(make<GlobalAveragePooling1D>()(features));
  auto sequence = make<Conv1D>({.filters = 1, .kernel_size = 1, .name = "sequence"})(features);
  models::Functional model({series, calendar}, {level, sequence}, {.name = "forecaster"});
  model.compile(std::make_unique<optim::Adam>(), {.loss = {{"level", "mse"}, {"sequence", "mae"}}, .loss_weights = {1.0, 0.25},
                                                  .metrics = {{"level", {"mae"}}}});
  const Tensor xs = Tensor::normal({16, 10, 3}), xc = Tensor::normal({16, 10, 2});
  const Tensor ys = Tensor::normal({16, 1}), yq = Tensor::normal({16, 10, 1});
  model.fit({xs, xc}, {ys, yq}, {.batch_size = 8, .epochs = 2, .verbose = 0});
  const std::string path = temporary("minidl_functional_forecaster.minidl");
  models::save_model(model, path);
  auto loaded = models::load_model(path);
  std::filesystem::remove(path);
  auto* reloaded = dynamic_cast<models::Functional*>(loaded.get());
  REQUIRE(reloaded);
  CHECK(reloaded->get_config() == model.get_config());
  CHECK(reloaded->compile_config() == model.compile_config());
  const auto expected = model.predict_outputs({xs, xc}), actual = reloaded->predict_outputs({xs, xc});
  for (std::size_t i = 0; i < 2; ++i) CHECK(actual[i].to_vector() == expected[i].to_vector());
  // Training goes on identically: the optimizer's state came back too.
  model.fit({xs, xc}, {ys, yq}, {.batch_size = 8, .epochs = 1, .verbose = 0, .shuffle = false});
  reloaded->fit({xs, xc}, {ys, yq}, {.batch_size = 8, .epochs = 1, .verbose = 0, .shuffle = false});
  const auto a = model.get_weights(), b = reloaded->get_weights();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector() == b[i].to_vector());
}

TEST_CASE("a shared layer's activity penalties add up over its calls in one model call, as in Keras") {
  using namespace layers;
  auto a = Input({.shape = {3}, .dtype = "float64"}), b = Input({.shape = {3}, .dtype = "float64"});
  auto shared = make<Dense>({.units = 2, .activity_regularizer = regularizers::L1{.l1 = 0.5}, .dtype = "float64"});
  models::Functional model({a, b}, make<Add>({.dtype = "float64"})({shared(a), shared(b)}));
  const Tensor xa = Tensor::normal({4, 3}, 0.0, 1.0, DType::float64), xb = Tensor::normal({4, 3}, 0.0, 1.0, DType::float64);
  const Tensor kernel = shared->kernel(), bias = shared->bias();
  const auto penalty = [&](const Tensor& x) { return 0.5 * sum(abs(matmul(x, kernel) + bias)).item() / 4.0; };
  for (int call = 0; call < 2; ++call) {
    model.forward({xa, xb});
    const auto losses = model.losses();
    REQUIRE(losses.size() == 2);
    CHECK(losses[0].item() + losses[1].item() == doctest::Approx(penalty(xa) + penalty(xb)).epsilon(1e-12));
  }
}

namespace {

// A user's layer, with weights of its own, registered for configs.
class Scale : public layers::Layer {
 public:
  explicit Scale(std::string name = "") : Layer("Scale", std::move(name), true, DType::float64, {}) {}
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }

 protected:
  void check_input(const Shape& input_shape) const override { require_rank_3(input_shape); }
  void build_weights(const Shape& input_shape) override {
    factor_ = add_weight("factor", {input_shape.back()}, "ones", {}, {});
  }
  Tensor call(const Tensor& inputs) override { return inputs * factor_->value(); }

 private:
  std::shared_ptr<layers::Variable> factor_;
};

}  // namespace

TEST_CASE("a user's layer in a functional model, and a Sequential nested in a Sequential, save and load") {
  layers::register_layer("Scale", [](const nlohmann::json& config) -> std::unique_ptr<layers::Layer> {
    return std::make_unique<Scale>(config.at("name").get<std::string>());
  });
  auto x = Input({.shape = {5, 2}, .dtype = "float64", .name = "x"});
  auto scale = layers::make<Scale>(std::string("scale"));
  models::Functional model(x, scale(x), {.name = "scaled"});
  REQUIRE(model.weights().size() == 1);
  model.set_weights({Tensor(std::vector<double>{2.0, -3.0}, {2})});
  const Tensor input = Tensor::normal({3, 5, 2}, 0.0, 1.0, DType::float64);
  const std::string path = temporary("minidl_scaled.minidl");
  models::save_model(model, path);
  CHECK(models::load_model(path)->predict(input).to_vector() == model.predict(input).to_vector());

  models::Sequential outer({.name = "outer"});
  auto& inner = static_cast<models::Sequential&>(outer.add(std::make_unique<models::Sequential>(models::SequentialOptions{.name = "inner"})));
  inner.add<layers::Dense>({.units = 3, .activation = "tanh"});
  outer.add<layers::Dense>({.units = 1});
  outer.build({1, 4});
  const Tensor features = Tensor::normal({6, 4});
  models::save_model(outer, path);
  CHECK(models::load_model(path)->predict(features).to_vector() == outer.predict(features).to_vector());
  std::filesystem::remove(path);
}
