// run_policy POLICY.pt2 [OBSERVATION...]
//
// Loads a policy compiled by `rlmodels export CHECKPOINT -o POLICY.pt2` with
// libtorch alone (no Python), runs one step for one environment and prints
// every output, one line each: `name: v1 v2 ...`.
//
// The inputs are built from the manifest the package carries in its metadata
// (`rlmodels_manifest`, the JSON `rlmodels inspect POLICY.pt2` prints): the
// first input, the observation, from the numbers on the command line (zeros if
// none are given); a recurrent carry starts from zeros; reset flags are false.
// The batch dimension is 1.

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <ATen/ATen.h>

#include <iomanip>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Port {
  std::string name;
  std::vector<int64_t> shape;  // the batch dimension ("batch") as 1
  std::string dtype;
};

// The entries of the manifest's "inputs" or "outputs" list: {"name": ..., "shape": [...], "dtype": ...}.
std::vector<Port> ports(const std::string& manifest, const std::string& key) {
  const std::string open = "\"" + key + "\": [";
  const auto start = manifest.find(open);
  if (start == std::string::npos) throw std::runtime_error("the manifest has no " + key);
  size_t end = start + open.size();
  for (int depth = 1; depth > 0; ++end) depth += manifest[end] == '[' ? 1 : manifest[end] == ']' ? -1 : 0;
  const std::string list = manifest.substr(start, end - start);
  const std::regex entry(R"re(\{"name": "([^"]+)", "shape": \[([^\]]*)\], "dtype": "([^"]+)"\})re");
  std::vector<Port> out;
  for (std::sregex_iterator it(list.begin(), list.end(), entry), stop; it != stop; ++it) {
    Port port{(*it)[1], {}, (*it)[3]};
    std::stringstream dims((*it)[2]);
    for (std::string dim; std::getline(dims, dim, ',');)
      port.shape.push_back(dim.find("batch") != std::string::npos ? 1 : std::stoll(dim));
    out.push_back(port);
  }
  return out;
}

at::ScalarType scalar_type(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "float64") return at::kDouble;
  if (dtype == "bool") return at::kBool;
  throw std::runtime_error("unexpected input dtype " + dtype);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: run_policy POLICY.pt2 [OBSERVATION...]\n";
    return 2;
  }
  try {
    torch::inductor::AOTIModelPackageLoader loader(argv[1]);
    const std::string manifest = loader.get_metadata().at("rlmodels_manifest");
    const std::vector<Port> inputs = ports(manifest, "inputs"), outputs = ports(manifest, "outputs");

    std::vector<at::Tensor> args;
    for (const Port& port : inputs) args.push_back(at::zeros(port.shape, scalar_type(port.dtype)));
    const int64_t size = args[0].numel();
    if (argc > 2 && argc - 2 != size) {
      std::cerr << "expected " << size << " observation values, got " << argc - 2 << "\n";
      return 2;
    }
    for (int64_t i = 0; i + 2 < argc; ++i) args[0].view(-1)[i] = std::stod(argv[i + 2]);

    const std::vector<at::Tensor> results = loader.run(args);
    for (size_t i = 0; i < results.size(); ++i) {
      const at::Tensor flat = results[i].to(at::kDouble).contiguous().view(-1);
      std::cout << (i < outputs.size() ? outputs[i].name : "output" + std::to_string(i)) << ":";
      for (int64_t j = 0; j < flat.numel(); ++j) std::cout << " " << std::setprecision(17) << flat[j].item<double>();
      std::cout << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "run_policy: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
