#pragma once
// The umbrella header: everything a minidl user needs, without xtensor's templates
// (include <minidl/core/xtensor_bridge.hpp> to convert to and from xtensor).
#include <minidl/core/allocator.hpp>
#include <minidl/core/dtype.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>
#include <minidl/core/format.hpp>
#include <minidl/core/random.hpp>
#include <minidl/core/shape.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/core/threads.hpp>

#include <minidl/autograd/activations/activations.hpp>
#include <minidl/autograd/engine.hpp>
#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/gradcheck.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/conv1d.hpp>
#include <minidl/autograd/ops/conv1d_transpose.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/matmul.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>

#include <minidl/layers/basic.hpp>
#include <minidl/layers/config.hpp>
#include <minidl/layers/constraints/constraints.hpp>
#include <minidl/layers/conv1d.hpp>
#include <minidl/layers/conv1d_transpose.hpp>
#include <minidl/layers/depthwise_conv1d.hpp>
#include <minidl/layers/separable_conv1d.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/initializers/initializers.hpp>
#include <minidl/layers/input_layer.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/layers/merging.hpp>
#include <minidl/layers/normalization.hpp>
#include <minidl/layers/pooling1d.hpp>
#include <minidl/layers/regularizers/regularizers.hpp>
#include <minidl/layers/reshaping.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/layers/shared.hpp>
#include <minidl/layers/symbolic_tensor.hpp>
#include <minidl/layers/temporal.hpp>
#include <minidl/layers/variable.hpp>

#include <minidl/optim/learning_rate.hpp>
#include <minidl/optim/optimizer.hpp>
#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/serialization.hpp>

#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metrics.hpp>
#include <minidl/io/csv.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/functional.hpp>
#include <minidl/models/keras_file.hpp>
#include <minidl/models/model.hpp>
#include <minidl/models/model_file.hpp>
#include <minidl/models/plot_model.hpp>
#include <minidl/models/progress.hpp>
#include <minidl/models/sequential.hpp>
#include <minidl/models/windows.hpp>
#include <minidl/models/weights_file.hpp>
#include <minidl/streaming/stream.hpp>
