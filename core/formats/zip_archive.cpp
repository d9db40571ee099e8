#include "formats/zip_archive.h"

#include "base/errors.h"

#include <cstdio>
#include <cstring>

namespace mae {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kLocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kEnd64Size = 56;
constexpr size_t kLocatorSize = 20;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;

// Little-endian reads with every range checked against the buffer.
class Bytes {
public:
  Bytes(const FileBytes& b, const std::string& label) : b_(b), label_(label) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw CheckpointError(label_ + ": " + why);
  }
  bool fits(uint64_t off, uint64_t len) const { return off <= b_.size() && len <= b_.size() - off; }
  void need(uint64_t off, uint64_t len, const std::string& what) const {
    if (!fits(off, len))
      fail(what + " at offset " + std::to_string(off) + " (" + std::to_string(len) +
           " bytes) runs past the end of the file (" + std::to_string(b_.size()) + " bytes)");
  }
  uint64_t le(uint64_t off, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | b_[off + i];
    return v;
  }
  uint16_t u16(uint64_t off) const { return static_cast<uint16_t>(le(off, 2)); }
  uint32_t u32(uint64_t off) const { return static_cast<uint32_t>(le(off, 4)); }
  uint64_t u64(uint64_t off) const { return le(off, 8); }
  const uint8_t* at(uint64_t off) const { return b_.data() + off; }
  size_t size() const { return b_.size(); }

private:
  const FileBytes& b_;
  const std::string& label_;
};

// Entry names come from the file; escape control and non-ASCII bytes so a
// corrupt name cannot garble a terminal.
std::string printable(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// Where the central directory is, from the (ZIP64) end records.
struct Directory {
  uint64_t count = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t limit = 0; // the directory must end before this offset
};

// The end record sits in the last 22 + 65535 bytes (the comment is at most
// 64 KiB). Prefer a record whose comment reaches exactly the end of the file,
// since a comment may itself contain the signature.
uint64_t find_end_record(const Bytes& b) {
  if (b.size() < kEndSize)
    b.fail("file is too short to be a zip archive (" + std::to_string(b.size()) + " bytes)");
  const uint64_t last = b.size() - kEndSize;
  const uint64_t lowest = last > 0xFFFF ? last - 0xFFFF : 0;
  uint64_t fallback = UINT64_MAX;
  for (uint64_t i = last + 1; i-- > lowest;) {
    if (b.u32(i) != kEndSig)
      continue;
    const uint64_t end = i + kEndSize + b.u16(i + 20);
    if (end == b.size())
      return i;
    if (end < b.size() && fallback == UINT64_MAX)
      fallback = i;
  }
  if (fallback == UINT64_MAX)
    b.fail("no zip end of central directory record found (not a zip archive, or truncated)");
  return fallback;
}

Directory read_zip64_end(const Bytes& b, uint64_t locator) {
  const uint64_t off = b.u64(locator + 8);
  b.need(off, kEnd64Size, "ZIP64 end of central directory record");
  if (b.u32(off) != kEnd64Sig)
    b.fail("ZIP64 end of central directory record not found at offset " + std::to_string(off));
  if (b.u32(off + 16) != 0 || b.u32(off + 20) != 0)
    b.fail("multi-disk (split) zip archives are not supported");
  if (off >= locator)
    b.fail("ZIP64 end of central directory record is not before its locator");
  Directory d;
  d.count = b.u64(off + 32);
  d.size = b.u64(off + 40);
  d.offset = b.u64(off + 48);
  d.limit = off;
  return d;
}

Directory read_directory_location(const Bytes& b) {
  const uint64_t end = find_end_record(b);
  Directory d;
  if (end >= kLocatorSize && b.u32(end - kLocatorSize) == kLocatorSig) {
    d = read_zip64_end(b, end - kLocatorSize);
  } else {
    if (b.u16(end + 4) != 0 || b.u16(end + 6) != 0)
      b.fail("multi-disk (split) zip archives are not supported");
    d.count = b.u16(end + 10);
    d.size = b.u32(end + 12);
    d.offset = b.u32(end + 16);
    d.limit = end;
  }
  if (d.offset > d.limit || d.size > d.limit - d.offset)
    b.fail("central directory (offset " + std::to_string(d.offset) + ", " + std::to_string(d.size) +
           " bytes) lies outside the archive");
  if (d.count > d.size / kCentralSize)
    b.fail("central directory claims " + std::to_string(d.count) + " entries but its " +
           std::to_string(d.size) + " bytes can hold at most " +
           std::to_string(d.size / kCentralSize));
  return d;
}

struct Sizes {
  uint64_t size;
  uint64_t compressed;
  uint64_t local_offset;
};

// Fields saturated at 0xFFFFFFFF in the central header live in the ZIP64
// extra field, in this order: size, compressed size, local header offset.
void apply_zip64_extra(const Bytes& b, uint64_t p, uint64_t end, const std::string& name,
                       Sizes* s) {
  const bool want[3] = {s->size == 0xFFFFFFFF, s->compressed == 0xFFFFFFFF,
                        s->local_offset == 0xFFFFFFFF};
  if (!want[0] && !want[1] && !want[2])
    return;
  uint64_t* fields[3] = {&s->size, &s->compressed, &s->local_offset};
  while (p < end) {
    if (end - p < 4)
      b.fail("entry '" + printable(name) + "' has a malformed extra field");
    const uint16_t id = b.u16(p);
    const uint16_t len = b.u16(p + 2);
    if (len > end - p - 4)
      b.fail("entry '" + printable(name) + "' has an extra field longer than its extra area");
    if (id == kZip64ExtraId) {
      uint64_t q = p + 4;
      for (int i = 0; i < 3; ++i) {
        if (!want[i])
          continue;
        if (q + 8 > p + 4 + len)
          b.fail("entry '" + printable(name) + "' has a ZIP64 extra field too short for its sizes");
        *fields[i] = b.u64(q);
        q += 8;
      }
      return;
    }
    p += 4 + len;
  }
  b.fail("entry '" + printable(name) +
         "' has 32-bit size or offset fields saturated but no ZIP64 extra field");
}

const char* method_name(uint16_t method) {
  switch (method) {
  case 8:
    return "deflate";
  case 9:
    return "deflate64";
  case 12:
    return "bzip2";
  case 14:
    return "lzma";
  case 93:
    return "zstd";
  case 95:
    return "xz";
  default:
    return "unknown";
  }
}

} // namespace

ZipArchive ZipArchive::open(SharedBytes bytes, std::string label) {
  ZipArchive zip;
  zip.bytes_ = std::move(bytes);
  zip.label_ = std::move(label);
  if (!zip.bytes_)
    throw CheckpointError(zip.label_ + ": no data");
  const Bytes b(*zip.bytes_, zip.label_);
  const Directory dir = read_directory_location(b);

  uint64_t p = dir.offset;
  const uint64_t dir_end = dir.offset + dir.size;
  zip.entries_.reserve(static_cast<size_t>(dir.count));
  for (uint64_t i = 0; i < dir.count; ++i) {
    const std::string where = "central directory entry " + std::to_string(i);
    if (dir_end - p < kCentralSize)
      b.fail(where + " runs past the end of the central directory");
    if (b.u32(p) != kCentralSig)
      b.fail(where + " has a bad signature (offset " + std::to_string(p) + ")");
    const uint16_t name_len = b.u16(p + 28);
    const uint16_t extra_len = b.u16(p + 30);
    const uint16_t comment_len = b.u16(p + 32);
    const uint64_t record = kCentralSize + name_len + extra_len + comment_len;
    if (dir_end - p < record)
      b.fail(where + " runs past the end of the central directory");

    Entry e;
    e.name.assign(reinterpret_cast<const char*>(b.at(p + kCentralSize)), name_len);
    e.flags = b.u16(p + 8);
    e.method = b.u16(p + 10);
    Sizes s{b.u32(p + 24), b.u32(p + 20), b.u32(p + 42)};
    apply_zip64_extra(b, p + kCentralSize + name_len, p + kCentralSize + name_len + extra_len,
                      e.name, &s);
    e.size = s.size;
    e.compressed_size = s.compressed;

    // The local header's own name and extra lengths decide where data starts.
    const std::string entry_what = "local header of entry '" + printable(e.name) + "'";
    b.need(s.local_offset, kLocalSize, entry_what);
    if (b.u32(s.local_offset) != kLocalSig)
      b.fail(entry_what + " has a bad signature (offset " + std::to_string(s.local_offset) + ")");
    const uint64_t local_name_len = b.u16(s.local_offset + 26);
    const uint64_t local_extra_len = b.u16(s.local_offset + 28);
    b.need(s.local_offset + kLocalSize, local_name_len + local_extra_len, entry_what);
    if (local_name_len != name_len ||
        std::memcmp(b.at(s.local_offset + kLocalSize), e.name.data(), name_len) != 0)
      b.fail(entry_what + " names a different file than the central directory");
    e.data_offset = s.local_offset + kLocalSize + local_name_len + local_extra_len;
    b.need(e.data_offset, e.compressed_size, "data of entry '" + printable(e.name) + "'");

    if (!zip.index_.emplace(e.name, zip.entries_.size()).second)
      b.fail("entry '" + printable(e.name) + "' appears twice in the central directory");
    zip.entries_.push_back(std::move(e));
    p += record;
  }
  return zip;
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_)
    out.push_back(e.name);
  return out;
}

bool ZipArchive::contains(const std::string& name) const {
  return index_.count(name) != 0;
}

std::pair<const uint8_t*, size_t> ZipArchive::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end())
    throw CheckpointError(label_ + ": the archive has no entry '" + printable(name) + "'");
  const Entry& e = entries_[it->second];
  if (e.flags & 1)
    throw CheckpointError(label_ + ": entry '" + printable(name) + "' is encrypted");
  if (e.method != 0)
    throw CheckpointError(label_ + ": entry '" + printable(name) + "' is compressed (zip method " +
                          std::to_string(e.method) + ", " + method_name(e.method) +
                          "); only stored (uncompressed) entries are supported, as torch.save "
                          "writes them: re-save the file with torch.save");
  if (e.compressed_size != e.size)
    throw CheckpointError(label_ + ": stored entry '" + printable(name) + "' has compressed size " +
                          std::to_string(e.compressed_size) + " but size " +
                          std::to_string(e.size));
  return {bytes_->data() + e.data_offset, static_cast<size_t>(e.size)};
}

bool looks_like_zip(const FileBytes& bytes) {
  static const uint8_t local[4] = {'P', 'K', 3, 4};
  static const uint8_t empty[4] = {'P', 'K', 5, 6};
  return bytes.size() >= 4 &&
         (std::memcmp(bytes.data(), local, 4) == 0 || std::memcmp(bytes.data(), empty, 4) == 0);
}

} // namespace mae
