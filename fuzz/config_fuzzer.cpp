// The readers of Keras-shaped JSON configs, layers::deserialize and Sequential::from_config, on
// arbitrary JSON: every config must either build a layer whose get_config() reads back to the
// same config, or be refused with InvalidArgument (or MemoryError for sizes beyond the budget).
#include <minidl/minidl.hpp>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

using namespace minidl;
using Json = nlohmann::json;

namespace {

// What a config may build here: enough for any real layer of a small model.
constexpr std::size_t build_budget = std::size_t{64} << 20;

std::unique_ptr<layers::Layer> read(const Json& serialized) {
  if (serialized.is_object() && serialized.value("class_name", Json()) == "Sequential")
    return models::Sequential::from_config(serialized.value("config", Json::object()));
  return layers::deserialize(serialized);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Json serialized;
  try {
    // Bounded nesting, as load_model parses; text that is not JSON never reaches the readers.
    serialized = Json::parse(data, data + size, [](int depth, Json::parse_event_t, Json&) { return depth <= 64; });
  } catch (const Json::exception&) {
    return 0;
  }
  if (serialized.is_discarded()) return 0;
  AllocationBudget budget(build_budget, "the config fuzzer's budget");
  try {
    const auto layer = read(serialized);
    // A layer read from a config writes a config that reads back to an equal one.
    const Json again = layers::serialize(*layer);
    const Json config_again = layers::serialize(*read(again));
    if (config_again != again) {
      std::fprintf(stderr, "config round trip differs:\n%s\n%s\n", again.dump().c_str(), config_again.dump().c_str());
      std::abort();
    }
  } catch (const InvalidArgument&) {
  } catch (const MemoryError&) {
  }
  return 0;
}
