// The `mae` subcommands; each parses its own arguments and returns the exit code.
#pragma once

namespace mae::cli {

int run_info(int argc, const char* const* argv);
int run_forward(int argc, const char* const* argv);
int run_reconstruct(int argc, const char* const* argv);
int run_attention(int argc, const char* const* argv);
int run_posembed(int argc, const char* const* argv);
int run_convert(int argc, const char* const* argv);
int run_eval_recon(int argc, const char* const* argv);
int run_bench(int argc, const char* const* argv);
int run_train(int argc, const char* const* argv);
int run_probe(int argc, const char* const* argv);
int run_finetune(int argc, const char* const* argv);
int run_sweep(int argc, const char* const* argv);
int run_pack(int argc, const char* const* argv);
int run_plot_metrics(int argc, const char* const* argv);
int run_fetch(int argc, const char* const* argv);

} // namespace mae::cli
