// The headless test mode (--screenshot, --layout, --export, --drop,
// --bench-latency, --train ...): waits for loading and inference, replays
// dropped files, benchmarks, and writes what the GUI tests check. It drives
// the App only through its public seam (events, frames, state), so the
// interactive App carries no test modes.
#pragma once

#include "cli_options.h"

namespace mae::studio {

class App;

// Returns the exit code: 0, also when a dropped file was bad (the
// screenshot then shows the error).
int run_headless(App& app, const CliOptions& options);

} // namespace mae::studio
