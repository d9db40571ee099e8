// What the UI knows of a model download (Model > Get models...): published
// by the FetchWorker, read by the dialog each frame.
#pragma once

#include "fetch/http_download.h"

#include <string>

namespace mae::studio {

struct FetchStatus {
  enum class State { Idle, Running, Done, Failed, Cancelled };
  State state = State::Idle;
  std::string name;  // the catalog entry
  std::string stage; // "downloading pytorch_model.bin (2 of 2)", "converting ..."
  DownloadProgress bytes;
  std::string path;  // Done: the converted model in the cache
  std::string error; // Failed / Cancelled: one line
};
const char* to_string(FetchStatus::State s);

} // namespace mae::studio
