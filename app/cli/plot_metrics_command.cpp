#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "data/image_io.h"
#include "train/metrics_plot.h"

#include <cstdio>

namespace mae::cli {

int run_plot_metrics(int argc, const char* const* argv) {
  Args args("plot-metrics",
            "Plot the loss and k-NN accuracy curves of a run's metrics.jsonl as a PNG.");
  args.positional("METRICS", "metrics.jsonl of a training run")
      .option("out", "FILE.png", "where to write the figure")
      .option("title", "TEXT", "figure title", "")
      .option("width", "PX", "figure width", "1200")
      .option("height", "PX", "figure height", "480");
  if (!parse_command(args, argc, argv, 0))
    return 0;
  const auto width = static_cast<int>(args.get_int("width")),
             height = static_cast<int>(args.get_int("height"));
  if (width < 400 || width > 8000 || height < 200 || height > 8000)
    throw UsageError("--width must be in [400, 8000] and --height in [200, 8000]");
  const auto records = read_metrics(args.get("METRICS"));
  const std::string title = args.get("title").empty() ? args.get("METRICS") : args.get("title");
  refuse_overwriting_inputs("--out", args.get("out"), {args.get("METRICS")});
  write_png(args.get("out"), plot_metrics(records, title, width, height));
  std::printf("wrote %s (%zu metric lines)\n", args.get("out").c_str(), records.size());
  return 0;
}

} // namespace mae::cli
