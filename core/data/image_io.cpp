#include "data/image_io.h"

#include "base/errors.h"
#include "formats/atomic_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mae {
namespace {

// Any decoded Mat -> 8-bit gray or RGB.
Image from_mat(cv::Mat m, const std::string& label) {
  if (m.empty())
    throw ImageError(label + ": not an image, or an unsupported/corrupt format");
  if (m.depth() == CV_16U)
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  else if (m.depth() == CV_32F || m.depth() == CV_64F)
    m.convertTo(m, CV_8U, 255.0);
  else if (m.depth() != CV_8U)
    m.convertTo(m, CV_8U);
  if (m.channels() == 4) {
    // Transparent pixels over white, as image viewers show them.
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    cv::Mat alpha;
    ch[3].convertTo(alpha, CV_32F, 1.0 / 255.0);
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, rgb);
    rgb.convertTo(rgb, CV_32FC3);
    cv::Mat a3;
    cv::merge(std::vector<cv::Mat>{alpha, alpha, alpha}, a3);
    cv::Mat white(rgb.size(), CV_32FC3, cv::Scalar(255, 255, 255));
    cv::Mat out = rgb.mul(a3) + white.mul(cv::Scalar(1, 1, 1) - a3);
    out.convertTo(m, CV_8UC3);
  } else if (m.channels() == 2) {
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    m = ch[0];
  }
  Image img;
  img.width = m.cols;
  img.height = m.rows;
  if (m.channels() == 1) {
    img.channels = 1;
  } else {
    cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    img.channels = 3;
  }
  if (!m.isContinuous())
    m = m.clone();
  img.pixels.assign(m.data, m.data + m.total() * m.elemSize());
  return img;
}

cv::Mat as_mat(const Image& image) {
  return cv::Mat(image.height, image.width, image.channels == 1 ? CV_8UC1 : CV_8UC3,
                 const_cast<uint8_t*>(image.pixels.data()));
}

Image copy_of(const cv::Mat& m) {
  Image out(m.cols, m.rows, m.channels());
  cv::Mat dst(m.rows, m.cols, m.type(), out.pixels.data());
  m.copyTo(dst);
  return out;
}

} // namespace

Image decode_image(const uint8_t* data, size_t size, const std::string& label) {
  if (size == 0)
    throw ImageError(label + ": empty file");
  cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
  cv::Mat m;
  try {
    m = cv::imdecode(buf, cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH);
  } catch (const cv::Exception& e) {
    throw ImageError(label + ": cannot decode image: " + e.what());
  }
  return from_mat(m, label);
}

Image load_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ImageError(path + ": cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

Image resize_image(const Image& image, int width, int height, bool nearest) {
  if (width <= 0 || height <= 0)
    throw ImageError("cannot resize to an empty image");
  const bool shrinking = width < image.width && height < image.height;
  const int interp = nearest ? cv::INTER_NEAREST : (shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::Mat out;
  cv::resize(as_mat(image), out, cv::Size(width, height), 0, 0, interp);
  return copy_of(out);
}

Image resize_center_crop(const Image& image, int size) {
  if (image.empty())
    throw ImageError("empty image");
  const double scale = static_cast<double>(size) / std::min(image.width, image.height);
  const int w = std::max(size, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(size, static_cast<int>(std::lround(image.height * scale)));
  const Image resized = resize_image(image, w, h);
  const cv::Rect crop((w - size) / 2, (h - size) / 2, size, size);
  return copy_of(as_mat(resized)(crop));
}

Image convert_channels(const Image& image, int channels) {
  if (image.channels == channels)
    return image;
  cv::Mat out;
  cv::cvtColor(as_mat(image), out, channels == 1 ? cv::COLOR_RGB2GRAY : cv::COLOR_GRAY2RGB);
  return copy_of(out);
}

void write_png(const std::string& path, const Image& image) {
  cv::Mat m = as_mat(image);
  cv::Mat bgr;
  if (image.channels == 3)
    cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  else
    bgr = m;
  std::vector<uint8_t> bytes;
  try {
    if (!cv::imencode(".png", bgr, bytes))
      throw ImageError(path + ": PNG encoding failed");
  } catch (const cv::Exception& e) {
    throw ImageError(path + ": PNG encoding failed: " + e.what());
  }
  try {
    write_file_atomic(path, bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw ImageError(e.what());
  }
}

bool is_image_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* e :
       {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pnm"})
    if (ext == e)
      return true;
  return false;
}

} // namespace mae
