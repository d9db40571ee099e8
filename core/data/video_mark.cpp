#include "data/video_mark.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "base/regular_file.h"

#include <cstdint>
#include <fstream>

namespace mae {

namespace {

// Even-sized, so an AVI chunk needs no padding byte.
const std::string kSoftwareText("Software\0MAE Studio\0", 20);

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

void put_le32(std::string& out, uint32_t v) {
  for (int shift = 0; shift <= 24; shift += 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// The bytes the mark adds at the end of a video of this kind.
std::string mark_bytes(const std::string& ext) {
  std::string mark;
  if (ext == ".mp4") { // ISO BMFF box: size (its own 8 bytes included), type
    put_be32(mark, static_cast<uint32_t>(8 + kSoftwareText.size()));
    mark += "free";
  } else { // RIFF chunk: id, size of the data alone
    mark += "JUNK";
    put_le32(mark, static_cast<uint32_t>(kSoftwareText.size()));
  }
  return mark + kSoftwareText;
}

// Where the size field of the last top-level RIFF chunk is, when walking
// chunk by chunk from the start lands exactly on the end of the file (an AVI
// over 1 GB holds more than one). -1 otherwise.
int64_t last_riff_size_field(std::fstream& f, uint64_t file_size) {
  uint64_t at = 0;
  int64_t field = -1;
  std::string head(8, '\0');
  while (at + 8 <= file_size) {
    f.seekg(static_cast<std::streamoff>(at));
    if (!f.read(head.data(), 8) || head.compare(0, 4, "RIFF") != 0)
      return -1;
    field = static_cast<int64_t>(at + 4);
    const uint64_t size = le32(head, 4);
    at += 8 + size + (size & 1);
  }
  return at == file_size ? field : -1;
}

} // namespace

bool video_can_be_marked(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".mp4" || ext == ".avi";
}

void mark_video(const std::string& path) {
  const std::string ext = lower_extension(path);
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(0, std::ios::end);
  const auto end = static_cast<int64_t>(f.tellg());
  if (!f || end < 0)
    throw ImageError(path + ": cannot reopen the video to finish it");
  const std::string mark = mark_bytes(ext);
  if (ext == ".avi") {
    const int64_t field = last_riff_size_field(f, static_cast<uint64_t>(end));
    f.clear();
    if (field < 0)
      return; // not chunks as we know them: left as the encoder wrote it
    std::string size(4, '\0');
    f.seekg(field);
    f.read(size.data(), 4);
    const uint64_t grown = uint64_t{le32(size, 0)} + mark.size();
    if (grown > UINT32_MAX)
      return;
    std::string bytes;
    put_le32(bytes, static_cast<uint32_t>(grown));
    f.seekp(field);
    f.write(bytes.data(), 4);
  }
  f.seekp(0, std::ios::end);
  f.write(mark.data(), static_cast<std::streamsize>(mark.size()));
  f.flush();
  if (!f)
    throw ImageError(path + ": cannot finish the video (is the disk full?)");
}

bool video_written_by_mae(const std::string& path) {
  if (!video_can_be_marked(path) || !why_not_regular_file(path).empty())
    return false; // a FIFO would block the open
  const std::string mark = mark_bytes(lower_extension(path));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = static_cast<int64_t>(in.tellg());
  if (!in || size < static_cast<int64_t>(mark.size()))
    return false;
  std::string tail(mark.size(), '\0');
  in.seekg(size - static_cast<int64_t>(mark.size()));
  return in.read(tail.data(), static_cast<std::streamsize>(tail.size())) && tail == mark;
}

} // namespace mae
