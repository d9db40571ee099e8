// The mark MAE Studio leaves at the end of the videos it writes, by which a
// command tells its own sweep video (made again without asking) from the
// user's film.
#include "data/video_mark.h"
#include "data/written_by_mae.h"
#include "dead_pid.h"
#include "eval/figure_video.h"
#include "slurp.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <opencv2/videoio.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace mae {
namespace {

namespace fs = std::filesystem;

std::string le32(uint32_t v) {
  std::string s;
  for (int shift = 0; shift <= 24; shift += 8)
    s += static_cast<char>((v >> shift) & 0xff);
  return s;
}

void write_video(const std::string& path, int frames) {
  FigureVideo video(path, 5);
  for (int i = 0; i < frames; ++i)
    video.add(Image(64, 48, 3, static_cast<uint8_t>(40 * i)));
  ASSERT_EQ(video.finish(), frames);
}

int frames_read(const std::string& path) {
  cv::VideoCapture video(path);
  int n = 0;
  for (cv::Mat f; video.read(f);)
    ++n;
  return n;
}

// An .avi (OpenCV's Motion JPEG) and an .mp4 (FFmpeg, where this OpenCV has
// it) carry the mark and still play every frame.
TEST(VideoMark, OurVideosCarryItAndStillPlay) {
  const std::string dir = test::temp_dir("video_mark_ours");
  write_video(dir + "/sweep.avi", 3);
  EXPECT_TRUE(video_written_by_mae(dir + "/sweep.avi"));
  EXPECT_TRUE(written_by_mae(dir + "/sweep.avi"));
  EXPECT_EQ(frames_read(dir + "/sweep.avi"), 3);
  const std::string avi = test::slurp(dir + "/sweep.avi");
  EXPECT_EQ(avi.substr(8, 4), "AVI ");
  // The RIFF chunk grew to hold the mark: its size still reaches the end.
  EXPECT_EQ(test::slurp(dir + "/sweep.avi").substr(4, 4),
            le32(static_cast<uint32_t>(avi.size() - 8)));

  cv::VideoWriter probe;
  if (!probe.open(dir + "/probe.mp4", cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 5, {64, 48}))
    GTEST_SKIP() << "this OpenCV writes no .mp4";
  probe.release();
  write_video(dir + "/sweep.mp4", 4);
  EXPECT_TRUE(written_by_mae(dir + "/sweep.mp4"));
  EXPECT_EQ(frames_read(dir + "/sweep.mp4"), 4);
}

// A sweep video killed mid-way leaves "NAME.tmp-PID.avi" (or a frames
// folder "NAME.tmp-PID"): making it again removes them, not a folder of the
// same name that holds anything but our frames.
TEST(VideoMark, MakingItAgainRemovesWhatAKilledAttemptLeft) {
  const std::string dir = test::temp_dir("video_mark_killed"), dead = test::dead_pid();
  std::ofstream(dir + "/sweep.tmp-" + dead + ".avi") << "half a video";
  fs::create_directories(dir + "/frames.tmp-" + dead);
  std::ofstream(dir + "/frames.tmp-" + dead + "/frame_0000.png") << "png";
  const std::string mine = dir + "/mine.tmp-" + dead;
  fs::create_directories(mine);
  std::ofstream(mine + "/frame_0000.png") << "png";
  std::ofstream(mine + "/notes.txt") << "keep me";
  write_video(dir + "/sweep.avi", 2);
  EXPECT_FALSE(fs::exists(dir + "/sweep.tmp-" + dead + ".avi"));
  write_video(dir + "/frames", 2);
  EXPECT_FALSE(fs::exists(dir + "/frames.tmp-" + dead));
  EXPECT_TRUE(fs::exists(dir + "/frames/frame_0001.png"));
  write_video(dir + "/mine", 1);
  EXPECT_EQ(test::slurp(mine + "/notes.txt"), "keep me");
}

TEST(VideoMark, OtherFilesDoNotCarryIt) {
  const std::string dir = test::temp_dir("video_mark_others");
  test::write_file(dir + "/film.mp4", "the user's film");
  EXPECT_FALSE(written_by_mae(dir + "/film.mp4"));
  EXPECT_FALSE(video_written_by_mae(dir + "/missing.avi"));
  EXPECT_FALSE(video_written_by_mae(dir));
  // Our video with its last byte cut off is no longer known as ours, nor is
  // our mark under another extension.
  write_video(dir + "/sweep.avi", 2);
  const std::string ours = test::slurp(dir + "/sweep.avi");
  test::write_file(dir + "/cut.avi", ours.substr(0, ours.size() - 1));
  EXPECT_FALSE(video_written_by_mae(dir + "/cut.avi"));
  test::write_file(dir + "/sweep.mp4", ours);
  EXPECT_FALSE(video_written_by_mae(dir + "/sweep.mp4"));
  // A FIFO is answered at once, not waited on.
  ASSERT_EQ(::mkfifo((dir + "/fifo.avi").c_str(), 0600), 0);
  EXPECT_FALSE(video_written_by_mae(dir + "/fifo.avi"));
}

// An AVI over 1 GB is several RIFF chunks: the mark goes into the last one.
// One whose chunks do not end where the file does is left as it was.
TEST(VideoMark, AnAviIsMarkedInItsLastRiffChunkOrNotAtAll) {
  const std::string dir = test::temp_dir("video_mark_riff");
  const std::string first = "RIFF" + le32(4) + "AVI ", second = "RIFF" + le32(6) + "AVIXab";
  test::write_file(dir + "/two.avi", first + second);
  mark_video(dir + "/two.avi");
  const std::string marked = test::slurp(dir + "/two.avi");
  EXPECT_TRUE(video_written_by_mae(dir + "/two.avi"));
  EXPECT_EQ(marked.substr(0, first.size()), first);
  EXPECT_EQ(marked.substr(first.size() + 4, 4),
            le32(static_cast<uint32_t>(marked.size() - first.size() - 8)));

  for (const std::string& odd : {first + "tail", std::string("RIFF") + le32(400) + "AVI ",
                                 std::string("not a riff file at all")}) {
    test::write_file(dir + "/odd.avi", odd);
    mark_video(dir + "/odd.avi");
    EXPECT_EQ(test::slurp(dir + "/odd.avi"), odd);
    EXPECT_FALSE(video_written_by_mae(dir + "/odd.avi"));
  }
}

} // namespace
} // namespace mae
