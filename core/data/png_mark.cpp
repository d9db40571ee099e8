#include "data/png_mark.h"

#include "base/regular_file.h"

#include <zlib.h>

#include <cstdint>
#include <fstream>

namespace mae {

namespace {

constexpr size_t kSignatureAndHeader = 8 + 25; // PNG signature, IHDR chunk
const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
const std::string kSoftwareText("Software\0MAE Studio", 19);

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

// A tEXt chunk: length, type, data, CRC of type and data.
std::string mark_chunk() {
  std::string chunk;
  put_be32(chunk, static_cast<uint32_t>(kSoftwareText.size()));
  const std::string body = "tEXt" + kSoftwareText;
  chunk += body;
  put_be32(chunk, static_cast<uint32_t>(
                      crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
  return chunk;
}

} // namespace

std::string mark_png(std::string png) {
  if (png.size() > kSignatureAndHeader && png.compare(0, 8, kSignature) == 0)
    png.insert(kSignatureAndHeader, mark_chunk()); // IHDR must stay first
  return png;
}

bool png_written_by_mae(const std::string& path) {
  if (!why_not_regular_file(path).empty()) // a FIFO would block the open
    return false;
  const std::string mark = mark_chunk();
  std::ifstream in(path, std::ios::binary);
  std::string head(kSignatureAndHeader + mark.size(), '\0');
  if (!in.read(head.data(), static_cast<std::streamsize>(head.size())))
    return false;
  return head.compare(0, 8, kSignature) == 0 && head.compare(12, 4, "IHDR") == 0 &&
         head.compare(kSignatureAndHeader, mark.size(), mark) == 0;
}

} // namespace mae
