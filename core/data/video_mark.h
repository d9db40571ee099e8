// MAE Studio's mark in the videos it writes, as png_mark is in its PNGs: a
// chunk the players skip, added at the end once the encoder is done. An .mp4
// ends with a top-level 'free' box; an .avi with a 'JUNK' chunk inside its
// last RIFF chunk, whose size grows to hold it. Both read "Software MAE
// Studio". Torch- and OpenCV-free.
#pragma once

#include <string>

namespace mae {

// True for the containers mark_video can mark (.mp4, .avi, any case).
bool video_can_be_marked(const std::string& path);

// Adds the mark to the finished video `path`, of the container its extension
// names. Leaves an .avi whose chunks do not reach its end exactly as it is.
// Throws ImageError when the file cannot be written.
void mark_video(const std::string& path);

// True when `path` is a regular .mp4 or .avi file that mark_video marked.
bool video_written_by_mae(const std::string& path);

} // namespace mae
