#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "base/plural.h"
#include "data/image_io.h"
#include "train/metrics_line.h"
#include "train/metrics_log.h"
#include "train/metrics_plot.h"

#include <cstdio>
#include <filesystem>

namespace mae::cli {

int run_plot_metrics(int argc, const char* const* argv) {
  Args args("plot-metrics", "Plot a run's training loss beside its k-NN accuracy, else "
                            "fine-tuning's test accuracy, else held-out MSE, as a PNG.");
  args.positional("METRICS", "a training run's folder or its metrics.jsonl")
      .option("out", "FILE.png",
              "where to write the figure (default: curves.png in the run folder)")
      .option("title", "TEXT", "figure title", "")
      .option("width", "PX", "figure width", "1200")
      .range(400, 8000)
      .option("height", "PX", "figure height", "480")
      .range(200, 8000);
  if (!parse_command(args, argc, argv, kOutput))
    return 0;
  const auto width = args.get_int32("width"), height = args.get_int32("height");
  std::string metrics = args.get("METRICS");
  std::error_code ec;
  if (std::filesystem::is_directory(metrics, ec)) // a run folder, as the app opens one
    metrics = (std::filesystem::path(metrics) / kMetricsName).string();
  args.default_to("out", (std::filesystem::path(metrics).parent_path() / "curves.png").string());
  check_output_file(args, "out", {".png"}, {metrics});
  size_t skipped = 0;
  const auto records = read_metrics(metrics, &skipped);
  if (records.empty())
    throw DataError(metrics + " holds no metric lines (a run writes one at every logged step)");
  if (skipped > 0)
    std::fprintf(stderr,
                 "mae plot-metrics: note: %zu %s no metric record%s (a JSON object under %zu "
                 "KiB with a whole \"step\"; losses, rates and speeds from 0 to 1e12, "
                 "accuracies from 0 to 1), left out\n",
                 skipped, skipped == 1 ? "line is" : "lines are", skipped == 1 ? "" : "s",
                 kMaxMetricsLine / 1024);
  const std::string title = args.get("title").empty() ? metrics : args.get("title");
  write_png(args.get("out"), plot_metrics(records, title, width, height));
  std::printf("wrote %s (%s)\n", args.get("out").c_str(),
              count_of(static_cast<int64_t>(records.size()), "metric line").c_str());
  return 0;
}

} // namespace mae::cli
