#pragma once
// How a stream runs a model (internal to streaming/): the model's graph as blocks and stages, each
// layer checked to be causal in time.
#include <minidl/streaming/stages.hpp>

#include <memory>
#include <vector>

namespace minidl::models {
class Model;
}

namespace minidl::streaming {

struct Graph {
  // Block 0 is the input; a layer that passes its input through (Dropout at inference, say)
  // shares its input's block and has no stage.
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::unique_ptr<Stage>> stages;
  std::size_t output = 0;
  std::int64_t receptive_field = 1;
};

// Throws InvalidArgument naming the first layer that is not causal in time, and why.
Graph plan_graph(models::Model& model, std::int64_t batch);

}  // namespace minidl::streaming
