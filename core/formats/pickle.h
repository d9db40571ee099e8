// A small, safe unpickler for the Python pickle streams that torch.save
// writes (protocols 0-5). It builds a value tree and never runs code: a call
// of a global (REDUCE, NEWOBJ, OBJ, INST) becomes an Object value recording
// the global and its arguments, so unknown classes (argparse.Namespace, numpy
// scalars, ...) parse fine and callers interpret only what they know.
// A few builtins are evaluated because they are plain containers:
// collections.OrderedDict / dict, set / frozenset, and _codecs.encode (how
// protocol 2 spells bytes). Malformed input throws CheckpointError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mae {

struct PickleValue;
// Values are shared like Python objects: the memo and containers may hold
// the same value, and mutations (APPEND, SETITEMS, BUILD) are seen by all.
using PickleValuePtr = std::shared_ptr<PickleValue>;

struct PickleValue {
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    String, // UTF-8 text (str; also protocol-0/1 byte strings)
    Bytes,  // bytes and bytearray
    List,
    Tuple,
    Dict, // dict and collections.OrderedDict
    Set,
    FrozenSet,
    Global, // a module.name reference (a class or function)
    Object, // a call of `callable` with `args`, plus BUILD state
  };

  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;                  // String and Bytes contents; Global: the module
  std::string name;                  // Global: the qualified name inside the module
  std::vector<PickleValuePtr> items; // List, Tuple, Set, FrozenSet; Object: APPENDed items
  // Dict (and Object: SETITEMed) pairs in insertion order. A repeated key
  // appears twice; as in Python, the later value wins.
  std::vector<std::pair<PickleValuePtr, PickleValuePtr>> entries;
  PickleValuePtr callable; // Object: what was called (usually a Global)
  PickleValuePtr args;     // Object: the positional arguments (a Tuple)
  PickleValuePtr kwargs;   // Object: NEWOBJ_EX keyword arguments, else null
  PickleValuePtr state;    // Object, Dict: the BUILD state, else null

  PickleValue() = default;
  explicit PickleValue(Kind k) : kind(k) {}
  PickleValue(const PickleValue&) = delete;
  PickleValue& operator=(const PickleValue&) = delete;
  // Iterative, so deeply nested values cannot overflow the stack.
  ~PickleValue();

  bool is(Kind k) const { return kind == k; }
  // "module.name" of a Global, or of an Object's callable when it is a
  // Global; "" otherwise.
  std::string global_name() const;
  // Dict lookup by string key (the last matching entry); nullptr if absent.
  const PickleValue* find(const std::string& key) const;

  // Set by the unpickler once the value sits inside a container; used to
  // skip the cycle check for fresh containers.
  bool contained = false;
};

const char* pickle_kind_name(PickleValue::Kind kind);

// A short human description for messages: "int 3", "str 'abc'",
// "dict (2 entries)", "argparse.Namespace object". Never recurses deeply.
std::string describe(const PickleValue& value);

// Turns a persistent id (PERSID's string, BINPERSID's value) into a value.
// May throw CheckpointError.
using PersistentLoad = std::function<PickleValuePtr(const PickleValuePtr& pid)>;

struct UnpickleLimits {
  size_t max_values = size_t{1} << 24;                // values created in total
  uint64_t max_cycle_check_steps = uint64_t{1} << 26; // work spent proving inserts acyclic
  // Heap the values may take (counted: each value, its text, every pointer in
  // containers, the stack and the memo), per input byte plus a fixed
  // allowance. One input byte makes at most one value (~260 bytes with its
  // stack and container slots), so only streams that copy reach it, e.g.
  // set(<big list>) or a big str fetched from the memo over and over, which
  // grow quadratically with the input.
  size_t max_bytes_per_input_byte = 320;
  size_t base_bytes = size_t{1} << 20;
};

// Runs the pickle in data[0, size) up to STOP and returns the result.
// `label` prefixes error messages (e.g. "model.pth: data.pkl").
// Self-referencing structures (a list containing itself) are rejected.
PickleValuePtr unpickle(const uint8_t* data, size_t size, const std::string& label,
                        const PersistentLoad& persistent_load = {},
                        const UnpickleLimits& limits = {});

} // namespace mae
