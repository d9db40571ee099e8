// Typed errors thrown by the core. Callers at the boundary (CLI, GUI) catch
// mae::Error and show what(); nothing in the core asserts on user input.
#pragma once

#include <stdexcept>
#include <string>

namespace mae {

class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A model or training config is invalid; the message names the field.
class ConfigError : public Error {
public:
  using Error::Error;
};

// A checkpoint file is unreadable, malformed or does not match the model.
class CheckpointError : public Error {
public:
  using Error::Error;
};

// An image cannot be read or decoded.
class ImageError : public Error {
public:
  using Error::Error;
};

// A dataset or packed shard is missing or malformed.
class DataError : public Error {
public:
  using Error::Error;
};

// Training cannot continue (non-finite loss, bad resume state, ...).
class TrainError : public Error {
public:
  using Error::Error;
};

// Bad command-line usage or a request the core cannot serve (unknown device, ...).
class UsageError : public Error {
public:
  using Error::Error;
};

// A distributed run cannot form or lost a rank (a port in use, an unreachable
// master, a rank that died or hung past the timeout).
class DistError : public Error {
public:
  using Error::Error;
};

// A model download failed: offline, an HTTP error, a wrong size or checksum,
// a stalled or interrupted transfer, a cancel.
class FetchError : public Error {
public:
  using Error::Error;
};

} // namespace mae
