// Writes a randomly initialised MAE of a named architecture (configs/models/)
// in our safetensors format: real model sizes for timing mae-studio where no
// trained checkpoint is at hand. Reconstructions from it are noise.
//
//   make_random_model mae_vit_base_patch16 /tmp/vit_b_random.safetensors
#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "model/model_config.h"

#include <torch/torch.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_random_model ARCH OUT.safetensors\n  ARCH:";
    for (const auto& n : mae::builtin_model_names())
      std::cerr << " " << n;
    std::cerr << "\n";
    return 2;
  }
  try {
    torch::manual_seed(0);
    mae::MaskedAutoencoderViT model(mae::builtin_model_config(argv[1]));
    model->initialize_weights();
    mae::save_model(argv[2], model, {{"note", std::string("random initialisation of ") + argv[1]}});
    std::cout << "wrote " << argv[2] << " (" << model->config().summary() << ")\n";
  } catch (const mae::Error& e) {
    std::cerr << "make_random_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
