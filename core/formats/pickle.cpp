#include "formats/pickle.h"

#include "base/errors.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_set>

namespace mae {

using Kind = PickleValue::Kind;

// ---------------------------------------------------------------------------
// PickleValue

namespace {

// Moves every child pointer of `v` into `out`.
void take_children(PickleValue& v, std::vector<PickleValuePtr>& out) {
  for (PickleValuePtr& p : v.items)
    out.push_back(std::move(p));
  for (auto& [k, val] : v.entries) {
    out.push_back(std::move(k));
    out.push_back(std::move(val));
  }
  v.items.clear();
  v.entries.clear();
  for (PickleValuePtr* p : {&v.callable, &v.args, &v.kwargs, &v.state})
    if (*p)
      out.push_back(std::move(*p));
}

// Calls f on every direct child.
template <typename F> void for_each_child(const PickleValue& v, F&& f) {
  for (const PickleValuePtr& p : v.items)
    f(p);
  for (const auto& [k, val] : v.entries) {
    f(k);
    f(val);
  }
  for (const PickleValuePtr* p : {&v.callable, &v.args, &v.kwargs, &v.state})
    if (*p)
      f(*p);
}

} // namespace

PickleValue::~PickleValue() {
  // A child whose last owner is this value would be destroyed recursively;
  // detach such children onto a heap worklist first.
  std::vector<PickleValuePtr> pending;
  take_children(*this, pending);
  while (!pending.empty()) {
    PickleValuePtr v = std::move(pending.back());
    pending.pop_back();
    if (v && v.use_count() == 1)
      take_children(*v, pending);
  }
}

std::string PickleValue::global_name() const {
  if (kind == Kind::Global)
    return text + "." + name;
  if (kind == Kind::Object && callable && callable->kind == Kind::Global)
    return callable->text + "." + callable->name;
  return "";
}

const PickleValue* PickleValue::find(const std::string& key) const {
  if (kind != Kind::Dict)
    return nullptr;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->first && it->first->kind == Kind::String && it->first->text == key)
      return it->second.get();
  return nullptr;
}

const char* pickle_kind_name(Kind kind) {
  switch (kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::String:
    return "str";
  case Kind::Bytes:
    return "bytes";
  case Kind::List:
    return "list";
  case Kind::Tuple:
    return "tuple";
  case Kind::Dict:
    return "dict";
  case Kind::Set:
    return "set";
  case Kind::FrozenSet:
    return "frozenset";
  case Kind::Global:
    return "global";
  case Kind::Object:
    return "object";
  }
  return "value";
}

std::string describe(const PickleValue& v) {
  auto count = [](size_t n, const char* one, const char* many) {
    return " (" + std::to_string(n) + " " + (n == 1 ? one : many) + ")";
  };
  switch (v.kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return v.boolean ? "True" : "False";
  case Kind::Int:
    return "int " + std::to_string(v.integer);
  case Kind::Float: {
    char buf[64];
    std::snprintf(buf, sizeof buf, "float %g", v.real);
    return buf;
  }
  case Kind::String:
    return "str '" + (v.text.size() > 40 ? v.text.substr(0, 40) + "..." : v.text) + "'";
  case Kind::Bytes:
    return "bytes" + count(v.text.size(), "byte", "bytes");
  case Kind::List:
  case Kind::Tuple:
  case Kind::Set:
  case Kind::FrozenSet:
    return pickle_kind_name(v.kind) + count(v.items.size(), "item", "items");
  case Kind::Dict:
    return "dict" + count(v.entries.size(), "entry", "entries");
  case Kind::Global:
    return "global " + v.global_name();
  case Kind::Object: {
    const std::string g = v.global_name();
    return g.empty() ? "object" : g + " object";
  }
  }
  return "value";
}

// ---------------------------------------------------------------------------
// The unpickler

namespace {

enum Op : uint8_t {
  MARK = '(',
  STOP = '.',
  POP = '0',
  POP_MARK = '1',
  DUP = '2',
  FLOAT = 'F',
  INT = 'I',
  BININT = 'J',
  BININT1 = 'K',
  LONG = 'L',
  BININT2 = 'M',
  NONE = 'N',
  PERSID = 'P',
  BINPERSID = 'Q',
  REDUCE = 'R',
  STRING = 'S',
  BINSTRING = 'T',
  SHORT_BINSTRING = 'U',
  UNICODE = 'V',
  BINUNICODE = 'X',
  APPEND = 'a',
  BUILD = 'b',
  GLOBAL = 'c',
  DICT = 'd',
  EMPTY_DICT = '}',
  APPENDS = 'e',
  GET = 'g',
  BINGET = 'h',
  INST = 'i',
  LONG_BINGET = 'j',
  LIST = 'l',
  EMPTY_LIST = ']',
  OBJ = 'o',
  PUT = 'p',
  BINPUT = 'q',
  LONG_BINPUT = 'r',
  SETITEM = 's',
  TUPLE = 't',
  EMPTY_TUPLE = ')',
  SETITEMS = 'u',
  BINFLOAT = 'G',
  PROTO = 0x80,
  NEWOBJ = 0x81,
  EXT1 = 0x82,
  EXT2 = 0x83,
  EXT4 = 0x84,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  BINBYTES = 'B',
  SHORT_BINBYTES = 'C',
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
};

bool is_container(Kind k) {
  return k == Kind::List || k == Kind::Tuple || k == Kind::Dict || k == Kind::Set ||
         k == Kind::FrozenSet || k == Kind::Object;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Python decodes pickled str as UTF-8 with surrogatepass; so do we (checks
// structure only, which keeps later JSON encoding of names safe).
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n;
    if (c < 0x80)
      n = 0;
    else if (c >= 0xC2 && c < 0xE0)
      n = 1;
    else if (c >= 0xE0 && c < 0xF0)
      n = 2;
    else if (c >= 0xF0 && c < 0xF5)
      n = 3;
    else
      return false;
    if (s.size() - i - 1 < n)
      return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<uint8_t>(s[i + k]) >> 6) != 2)
        return false;
    i += n + 1;
  }
  return true;
}

class Unpickler {
public:
  Unpickler(const uint8_t* data, size_t size, const std::string& label,
            const PersistentLoad& persistent_load, const UnpickleLimits& limits)
      : p_(data), n_(size), label_(label), persistent_load_(persistent_load), limits_(limits) {
    if (__builtin_mul_overflow(size, limits.max_bytes_per_input_byte, &budget_) ||
        __builtin_add_overflow(budget_, limits.base_bytes, &budget_))
      budget_ = SIZE_MAX;
  }

  PickleValuePtr run();

private:
  [[noreturn]] void fail(const std::string& why) const {
    throw CheckpointError(label_ + ": " + why + " (pickle offset " + std::to_string(op_pos_) + ")");
  }

  // --- input
  const uint8_t* take(uint64_t n) {
    if (n > n_ - pos_)
      fail("truncated pickle: needs " + std::to_string(n) + " more bytes but only " +
           std::to_string(n_ - pos_) + " remain");
    const uint8_t* p = p_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  uint64_t le(int n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | p[i];
    return v;
  }
  std::string line() {
    const void* nl = std::memchr(p_ + pos_, '\n', n_ - pos_);
    if (!nl)
      fail("truncated pickle: a text argument has no terminating newline");
    const size_t len = static_cast<const uint8_t*>(nl) - (p_ + pos_);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len + 1;
    if (!s.empty() && s.back() == '\r')
      s.pop_back();
    return s;
  }
  std::string bytes(uint64_t n) {
    const uint8_t* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }

  // --- memory
  // Counts the heap that values, containers, the stack and the memo take,
  // before it is taken, so a small pickle cannot allocate without bound.
  void charge(size_t bytes) {
    if (bytes > budget_ - used_)
      fail("pickle needs more than " + std::to_string(budget_) + " bytes of memory (" +
           std::to_string(limits_.max_bytes_per_input_byte) +
           " per input byte); it is corrupt or hostile");
    used_ += bytes;
  }
  void charge_pointers(size_t n) {
    if (n > SIZE_MAX / sizeof(PickleValuePtr))
      charge(SIZE_MAX);
    charge(n * sizeof(PickleValuePtr));
  }

  // --- values
  // A value with make_shared's control block.
  static constexpr size_t kValueBytes = sizeof(PickleValue) + 2 * sizeof(void*);
  PickleValuePtr make(Kind k) {
    if (++made_ > limits_.max_values)
      fail("pickle creates more than " + std::to_string(limits_.max_values) + " values");
    charge(kValueBytes);
    return std::make_shared<PickleValue>(k);
  }
  PickleValuePtr make_int(int64_t v) {
    PickleValuePtr p = make(Kind::Int);
    p->integer = v;
    return p;
  }
  PickleValuePtr make_text(Kind k, std::string s) {
    if (k == Kind::String && !valid_utf8(s))
      fail("a str is not valid UTF-8");
    charge(s.size());
    PickleValuePtr p = make(k);
    p->text = std::move(s);
    return p;
  }
  PickleValuePtr make_global(std::string module, std::string name) {
    if (!valid_utf8(module) || !valid_utf8(name))
      fail("a global name is not valid UTF-8");
    charge(module.size());
    charge(name.size());
    PickleValuePtr p = make(Kind::Global);
    p->text = std::move(module);
    p->name = std::move(name);
    return p;
  }

  // --- stack
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(PickleValuePtr v) {
    charge_pointers(1);
    stack_.push_back(std::move(v));
  }
  PickleValuePtr pop() {
    if (stack_.size() <= floor())
      fail("pickle stack underflow");
    PickleValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PickleValuePtr& top() {
    if (stack_.size() <= floor())
      fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<PickleValuePtr> pop_mark() {
    if (marks_.empty())
      fail("pickle MARK expected but none is on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PickleValuePtr> items(std::make_move_iterator(stack_.begin() + m),
                                      std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }

  // --- containers
  // Rejects an insert that would make `container` reach itself. A container
  // never placed inside anything cannot be reached from another value, which
  // keeps the common case (filling a fresh dict or list) O(1).
  void check_acyclic(const PickleValue* container, const PickleValuePtr& child) {
    if (!child || !is_container(child->kind))
      return;
    if (child.get() == container)
      fail("self-referencing pickle structures are not supported");
    if (!container->contained)
      return;
    std::vector<const PickleValue*> todo{child.get()};
    std::unordered_set<const PickleValue*> seen{child.get()};
    while (!todo.empty()) {
      const PickleValue* v = todo.back();
      todo.pop_back();
      for_each_child(*v, [&](const PickleValuePtr& c) {
        if (++cycle_steps_ > limits_.max_cycle_check_steps)
          fail("pickle structure too complex to check for cycles");
        if (c.get() == container)
          fail("self-referencing pickle structures are not supported");
        if (is_container(c->kind) && seen.insert(c.get()).second)
          todo.push_back(c.get());
      });
    }
  }
  void adopt(PickleValue& container, const PickleValuePtr& child) {
    check_acyclic(&container, child);
    child->contained = true;
  }
  PickleValuePtr make_seq(Kind k, std::vector<PickleValuePtr> items) {
    charge_pointers(items.size());
    PickleValuePtr v = make(k);
    for (const PickleValuePtr& c : items)
      c->contained = true; // v is fresh: no cycle possible
    v->items = std::move(items);
    return v;
  }
  void append(PickleValue& target, std::vector<PickleValuePtr> items) {
    if (target.kind != Kind::List && target.kind != Kind::Object)
      fail(std::string("APPEND to a ") + pickle_kind_name(target.kind));
    charge_pointers(items.size());
    for (PickleValuePtr& c : items) {
      adopt(target, c);
      target.items.push_back(std::move(c));
    }
  }
  void set_items(PickleValue& target, std::vector<PickleValuePtr> kv) {
    if (target.kind != Kind::Dict && target.kind != Kind::Object)
      fail(std::string("SETITEM on a ") + pickle_kind_name(target.kind));
    if (kv.size() % 2 != 0)
      fail("SETITEMS with an odd number of stack items");
    charge_pointers(kv.size());
    for (size_t i = 0; i < kv.size(); i += 2) {
      adopt(target, kv[i]);
      adopt(target, kv[i + 1]);
      target.entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
    }
  }
  void add_items(PickleValue& target, std::vector<PickleValuePtr> items) {
    if (target.kind != Kind::Set)
      fail(std::string("ADDITEMS on a ") + pickle_kind_name(target.kind));
    charge_pointers(items.size());
    for (PickleValuePtr& c : items) {
      adopt(target, c);
      target.items.push_back(std::move(c));
    }
  }
  void build(PickleValue& target, PickleValuePtr state) {
    if (target.kind != Kind::Object && target.kind != Kind::Dict)
      fail(std::string("BUILD on a ") + pickle_kind_name(target.kind));
    adopt(target, state);
    target.state = std::move(state);
  }

  // --- calls
  PickleValuePtr call(PickleValuePtr callable, PickleValuePtr args, PickleValuePtr kwargs);
  PickleValuePtr call_builtin(const std::string& g, const PickleValue& args);
  PickleValuePtr make_dict_from(const PickleValue& src);

  // --- opcode helpers
  int64_t decode_long(const uint8_t* p, size_t n);
  int64_t parse_decimal(const std::string& s, const char* what);
  std::string parse_string_literal(const std::string& s);
  std::string parse_raw_unicode_escape(const std::string& s);
  uint64_t memo_index_text() { return static_cast<uint64_t>(parse_decimal(line(), "memo index")); }
  void memo_put(uint64_t index) {
    charge_pointers(4); // a hash node
    PickleValuePtr& v = top();
    memo_[index] = v;
  }
  PickleValuePtr memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end())
      fail("memo key " + std::to_string(index) + " not found");
    return it->second;
  }
  PickleValuePtr persistent(PickleValuePtr pid) {
    if (!persistent_load_)
      fail("persistent id found but no persistent_load handler is set");
    // The handler may build values around `pid`; mark it so the cycle check
    // stays sound for edges the handler created.
    pid->contained = true;
    PickleValuePtr v = persistent_load_(pid);
    if (!v)
      fail("persistent_load returned nothing");
    return v;
  }
  PickleValuePtr length_prefixed(Kind kind, int width, bool is_signed = false);
  bool step(uint8_t op);

  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  const std::string& label_;
  const PersistentLoad& persistent_load_;
  const UnpickleLimits& limits_;
  std::vector<PickleValuePtr> stack_;
  std::vector<size_t> marks_;
  // Ordered, not hashed: the indices are the file's to choose, and with the
  // identity hash multiples of the bucket count made every lookup linear.
  std::map<uint64_t, PickleValuePtr> memo_;
  size_t made_ = 0;
  uint64_t cycle_steps_ = 0;
  size_t budget_ = 0; // bytes charge() allows in all
  size_t used_ = 0;
};

int64_t Unpickler::decode_long(const uint8_t* p, size_t n) {
  if (n == 0)
    return 0;
  const bool negative = p[n - 1] & 0x80;
  // Bytes past the eighth must be pure sign extension.
  for (size_t i = 8; i < n; ++i)
    if (p[i] != (negative ? 0xFF : 0x00))
      fail("integer does not fit in 64 bits");
  if (n > 8 && static_cast<bool>(p[7] & 0x80) != negative)
    fail("integer does not fit in 64 bits");
  const size_t used = n < 8 ? n : 8;
  uint64_t v = negative ? ~uint64_t{0} : 0;
  for (size_t i = used; i-- > 0;)
    v = (v << 8) | p[i];
  if (used < 8 && negative)
    v |= ~uint64_t{0} << (8 * used);
  return static_cast<int64_t>(v);
}

int64_t Unpickler::parse_decimal(const std::string& s, const char* what) {
  std::string t = s;
  if (!t.empty() && t.back() == 'L')
    t.pop_back(); // protocol 0 longs end in 'L'
  if (t.empty())
    fail(std::string("empty ") + what);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (end != t.c_str() + t.size())
    fail(std::string("bad ") + what + " '" + s.substr(0, 40) + "'");
  if (errno == ERANGE)
    fail(std::string(what) + " does not fit in 64 bits");
  return v;
}

// Protocol 0 STRING: a Python repr, quoted, with backslash escapes.
std::string Unpickler::parse_string_literal(const std::string& s) {
  if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
    fail("STRING argument is not a quoted literal");
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 2 >= s.size()) {
      out += c;
      continue;
    }
    c = s[++i];
    switch (c) {
    case 'n':
      out += '\n';
      break;
    case 't':
      out += '\t';
      break;
    case 'r':
      out += '\r';
      break;
    case 'x': {
      if (i + 2 >= s.size() - 1 || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        fail("bad \\x escape in STRING");
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
      break;
    }
    default:
      if (c >= '0' && c <= '7') {
        int v = 0, k = 0;
        for (; k < 3 && i + 1 < s.size() && s[i] >= '0' && s[i] <= '7'; ++k, ++i)
          v = v * 8 + (s[i] - '0');
        --i;
        out += static_cast<char>(v & 0xFF);
      } else {
        out += c; // \\ \' \" and unknown escapes keep the character
      }
    }
  }
  return out;
}

// Protocol 0 UNICODE: raw-unicode-escape (\uXXXX, \UXXXXXXXX; other bytes
// are Latin-1 code points).
std::string Unpickler::parse_raw_unicode_escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
      const size_t digits = s[i + 1] == 'u' ? 4 : 8;
      if (i + 2 + digits > s.size())
        fail("truncated \\u escape in UNICODE");
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; ++k) {
        const char h = s[i + 2 + k];
        if (!std::isxdigit(static_cast<unsigned char>(h)))
          fail("bad \\u escape in UNICODE");
        cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                 ? h - '0'
                                                 : (std::tolower(h) - 'a' + 10));
      }
      if (cp > 0x10FFFF)
        fail("code point out of range in UNICODE");
      append_utf8(out, cp);
      i += 1 + digits;
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

PickleValuePtr Unpickler::length_prefixed(Kind kind, int width, bool is_signed) {
  const uint64_t len = le(width);
  if (is_signed && (len & 0x80000000u))
    fail("negative string length");
  return make_text(kind, bytes(len));
}

// A dict built from a dict, or from an iterable of 2-item tuples/lists.
PickleValuePtr Unpickler::make_dict_from(const PickleValue& src) {
  PickleValuePtr d = make(Kind::Dict);
  if (src.kind == Kind::Dict) {
    charge_pointers(2 * src.entries.size());
    for (const auto& kv : src.entries) {
      kv.first->contained = kv.second->contained = true;
      d->entries.push_back(kv);
    }
    return d;
  }
  charge_pointers(2 * src.items.size());
  for (const PickleValuePtr& pair : src.items) {
    if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
      return nullptr;
    pair->items[0]->contained = pair->items[1]->contained = true;
    d->entries.emplace_back(pair->items[0], pair->items[1]);
  }
  return d;
}

// Builtins that only build containers are evaluated; nullptr means "keep as
// an opaque Object".
PickleValuePtr Unpickler::call_builtin(const std::string& g, const PickleValue& args) {
  const auto& a = args.items;
  if (g == "collections.OrderedDict" || g == "builtins.dict" || g == "__builtin__.dict") {
    if (a.empty())
      return make(Kind::Dict);
    if (a.size() == 1 &&
        (a[0]->kind == Kind::Dict || a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple))
      return make_dict_from(*a[0]);
    return nullptr;
  }
  if (g == "builtins.set" || g == "__builtin__.set" || g == "builtins.frozenset" ||
      g == "__builtin__.frozenset") {
    const Kind k = g.find("frozen") != std::string::npos ? Kind::FrozenSet : Kind::Set;
    if (a.empty())
      return make(k);
    if (a.size() == 1 && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple ||
                          a[0]->kind == Kind::Set || a[0]->kind == Kind::FrozenSet))
      return make_seq(k, a[0]->items);
    return nullptr;
  }
  if (g == "_codecs.encode" && a.size() == 2 && a[0]->kind == Kind::String &&
      a[1]->kind == Kind::String && (a[1]->text == "latin1" || a[1]->text == "latin-1")) {
    // Protocol 2 writes bytes as _codecs.encode(<latin-1 str>, 'latin1').
    std::string out;
    const std::string& s = a[0]->text;
    for (size_t i = 0; i < s.size();) {
      const uint8_t c = static_cast<uint8_t>(s[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
        i += 1;
      } else if ((c >> 5) == 6 && i + 1 < s.size() && c <= 0xC3) {
        out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3F));
        i += 2;
      } else {
        return nullptr; // not Latin-1: leave it opaque
      }
    }
    return make_text(Kind::Bytes, std::move(out));
  }
  return nullptr;
}

PickleValuePtr Unpickler::call(PickleValuePtr callable, PickleValuePtr args,
                               PickleValuePtr kwargs) {
  if (args->kind != Kind::Tuple && args->kind != Kind::List)
    fail(std::string("call arguments are a ") + pickle_kind_name(args->kind) + ", not a tuple");
  if (callable->kind == Kind::Global && !kwargs) {
    if (PickleValuePtr v = call_builtin(callable->global_name(), *args))
      return v;
  }
  PickleValuePtr obj = make(Kind::Object);
  callable->contained = args->contained = true;
  obj->callable = std::move(callable);
  obj->args = std::move(args);
  if (kwargs) {
    kwargs->contained = true;
    obj->kwargs = std::move(kwargs);
  }
  return obj;
}

// Executes one opcode; returns false at STOP.
bool Unpickler::step(uint8_t op) {
  switch (op) {
  case PROTO: {
    const uint8_t v = *take(1);
    if (v > 5)
      fail("unsupported pickle protocol " + std::to_string(v));
    return true;
  }
  case FRAME:
    take(8); // frames only group opcodes; the stream reads the same without them
    return true;
  case STOP:
    return false;
  case MARK:
    charge(sizeof(size_t));
    marks_.push_back(stack_.size());
    return true;
  case POP:
    // Python 3 pops a bare MARK when nothing sits above it.
    if (stack_.size() == floor() && !marks_.empty())
      marks_.pop_back();
    else
      pop();
    return true;
  case POP_MARK:
    pop_mark();
    return true;
  case DUP:
    push(top());
    return true;

  case NONE:
    push(make(Kind::None));
    return true;
  case NEWTRUE:
  case NEWFALSE: {
    PickleValuePtr v = make(Kind::Bool);
    v->boolean = op == NEWTRUE;
    push(std::move(v));
    return true;
  }
  case INT: {
    const std::string s = line();
    if (s == "00" || s == "01") { // protocol 0 booleans
      PickleValuePtr v = make(Kind::Bool);
      v->boolean = s == "01";
      push(std::move(v));
    } else {
      push(make_int(parse_decimal(s, "INT")));
    }
    return true;
  }
  case LONG:
    push(make_int(parse_decimal(line(), "LONG")));
    return true;
  case BININT:
    push(make_int(static_cast<int32_t>(le(4))));
    return true;
  case BININT1:
    push(make_int(static_cast<int64_t>(le(1))));
    return true;
  case BININT2:
    push(make_int(static_cast<int64_t>(le(2))));
    return true;
  case LONG1:
  case LONG4: {
    const uint64_t n = le(op == LONG1 ? 1 : 4);
    if (op == LONG4 && (n & 0x80000000u))
      fail("negative LONG4 length");
    const uint8_t* p = take(n);
    push(make_int(decode_long(p, static_cast<size_t>(n))));
    return true;
  }
  case BINFLOAT: {
    const uint8_t* p = take(8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits = (bits << 8) | p[i]; // big-endian
    PickleValuePtr v = make(Kind::Float);
    std::memcpy(&v->real, &bits, 8);
    push(std::move(v));
    return true;
  }
  case FLOAT: {
    // from_chars ignores the C locale, unlike strtod.
    const std::string s = line();
    double d = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail("bad FLOAT '" + s.substr(0, 40) + "'");
    PickleValuePtr v = make(Kind::Float);
    v->real = d;
    push(std::move(v));
    return true;
  }

  case STRING:
    push(make_text(Kind::String, parse_string_literal(line())));
    return true;
  case BINSTRING:
    push(length_prefixed(Kind::String, 4, /*is_signed=*/true));
    return true;
  case SHORT_BINSTRING:
    push(length_prefixed(Kind::String, 1));
    return true;
  case UNICODE:
    push(make_text(Kind::String, parse_raw_unicode_escape(line())));
    return true;
  case BINUNICODE:
    push(length_prefixed(Kind::String, 4));
    return true;
  case SHORT_BINUNICODE:
    push(length_prefixed(Kind::String, 1));
    return true;
  case BINUNICODE8:
    push(length_prefixed(Kind::String, 8));
    return true;
  case BINBYTES:
    push(length_prefixed(Kind::Bytes, 4));
    return true;
  case SHORT_BINBYTES:
    push(length_prefixed(Kind::Bytes, 1));
    return true;
  case BINBYTES8:
  case BYTEARRAY8:
    push(length_prefixed(Kind::Bytes, 8));
    return true;

  case EMPTY_TUPLE:
    push(make(Kind::Tuple));
    return true;
  case TUPLE:
    push(make_seq(Kind::Tuple, pop_mark()));
    return true;
  case TUPLE1:
  case TUPLE2:
  case TUPLE3: {
    std::vector<PickleValuePtr> items(op - TUPLE1 + 1);
    for (size_t i = items.size(); i-- > 0;)
      items[i] = pop();
    push(make_seq(Kind::Tuple, std::move(items)));
    return true;
  }
  case EMPTY_LIST:
    push(make(Kind::List));
    return true;
  case LIST:
    push(make_seq(Kind::List, pop_mark()));
    return true;
  case APPEND: {
    PickleValuePtr v = pop();
    append(*top(), {std::move(v)});
    return true;
  }
  case APPENDS: {
    std::vector<PickleValuePtr> items = pop_mark();
    append(*top(), std::move(items));
    return true;
  }
  case EMPTY_DICT:
    push(make(Kind::Dict));
    return true;
  case DICT: {
    std::vector<PickleValuePtr> kv = pop_mark();
    PickleValuePtr d = make(Kind::Dict);
    set_items(*d, std::move(kv));
    push(std::move(d));
    return true;
  }
  case SETITEM: {
    PickleValuePtr v = pop();
    PickleValuePtr k = pop();
    set_items(*top(), {std::move(k), std::move(v)});
    return true;
  }
  case SETITEMS: {
    std::vector<PickleValuePtr> kv = pop_mark();
    set_items(*top(), std::move(kv));
    return true;
  }
  case EMPTY_SET:
    push(make(Kind::Set));
    return true;
  case ADDITEMS: {
    std::vector<PickleValuePtr> items = pop_mark();
    add_items(*top(), std::move(items));
    return true;
  }
  case FROZENSET:
    push(make_seq(Kind::FrozenSet, pop_mark()));
    return true;

  case GLOBAL: {
    std::string module = line();
    std::string name = line();
    push(make_global(std::move(module), std::move(name)));
    return true;
  }
  case STACK_GLOBAL: {
    PickleValuePtr name = pop();
    PickleValuePtr module = pop();
    if (module->kind != Kind::String || name->kind != Kind::String)
      fail("STACK_GLOBAL needs two str values");
    push(make_global(module->text, name->text));
    return true;
  }
  case REDUCE: {
    PickleValuePtr args = pop();
    PickleValuePtr callable = pop();
    push(call(std::move(callable), std::move(args), nullptr));
    return true;
  }
  case NEWOBJ: {
    PickleValuePtr args = pop();
    PickleValuePtr cls = pop();
    push(call(std::move(cls), std::move(args), nullptr));
    return true;
  }
  case NEWOBJ_EX: {
    PickleValuePtr kwargs = pop();
    PickleValuePtr args = pop();
    PickleValuePtr cls = pop();
    push(call(std::move(cls), std::move(args), std::move(kwargs)));
    return true;
  }
  case OBJ: {
    std::vector<PickleValuePtr> items = pop_mark();
    if (items.empty())
      fail("OBJ without a class");
    PickleValuePtr cls = items.front();
    items.erase(items.begin());
    push(call(std::move(cls), make_seq(Kind::Tuple, std::move(items)), nullptr));
    return true;
  }
  case INST: {
    std::string module = line();
    std::string name = line();
    std::vector<PickleValuePtr> items = pop_mark();
    PickleValuePtr cls = make_global(std::move(module), std::move(name));
    push(call(std::move(cls), make_seq(Kind::Tuple, std::move(items)), nullptr));
    return true;
  }
  case BUILD: {
    PickleValuePtr state = pop();
    build(*top(), std::move(state));
    return true;
  }

  case PUT:
    memo_put(memo_index_text());
    return true;
  case BINPUT:
    memo_put(le(1));
    return true;
  case LONG_BINPUT:
    memo_put(le(4));
    return true;
  case MEMOIZE:
    memo_put(memo_.size());
    return true;
  case GET:
    push(memo_get(memo_index_text()));
    return true;
  case BINGET:
    push(memo_get(le(1)));
    return true;
  case LONG_BINGET:
    push(memo_get(le(4)));
    return true;

  case PERSID:
    push(persistent(make_text(Kind::String, line())));
    return true;
  case BINPERSID:
    push(persistent(pop()));
    return true;

  case EXT1:
  case EXT2:
  case EXT4:
    fail("pickle extension registry codes (EXT1/2/4) are not supported");
  case NEXT_BUFFER:
  case READONLY_BUFFER:
    fail("out-of-band pickle buffers (protocol 5) are not supported");
  default: {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", op);
    fail(std::string("unknown pickle opcode ") + buf);
  }
  }
}

PickleValuePtr Unpickler::run() {
  for (;;) {
    op_pos_ = pos_;
    if (pos_ >= n_)
      fail("truncated pickle: no STOP opcode");
    const uint8_t op = p_[pos_++];
    if (!step(op))
      break;
  }
  PickleValuePtr result = pop();
  return result;
}

} // namespace

PickleValuePtr unpickle(const uint8_t* data, size_t size, const std::string& label,
                        const PersistentLoad& persistent_load, const UnpickleLimits& limits) {
  if (!data && size > 0)
    throw CheckpointError(label + ": no pickle data");
  Unpickler u(data, size, label, persistent_load, limits);
  return u.run();
}

} // namespace mae
