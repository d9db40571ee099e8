#include "base/whole_number.h"

#include <gtest/gtest.h>

#include <climits>

namespace mae {
namespace {

TEST(WholeNumber, ReadsAWholeNumberInRange) {
  EXPECT_EQ(whole_number("3", 0, 10), 3);
  EXPECT_EQ(whole_number("-7", -10, 10), -7);
  EXPECT_EQ(whole_number("+4", 0, 10), 4);
  EXPECT_EQ(whole_number("9223372036854775807", 0, LLONG_MAX), LLONG_MAX);
}

TEST(WholeNumber, RefusesWhatAtoiWouldGuess) {
  for (const char* text : {"", "abc", "3x", "3 ", " 3", "\t3", "3.0", "0x10", "-", "1e3"})
    EXPECT_FALSE(whole_number(text, -100, 100)) << "'" << text << "'";
}

TEST(WholeNumber, RefusesOutOfRangeInsteadOfWrapping) {
  EXPECT_FALSE(whole_number("11", 0, 10));
  EXPECT_FALSE(whole_number("-1", 0, 10));
  EXPECT_FALSE(whole_number("4294967298", 0, INT_MAX)); // an int cast would make it 2
  EXPECT_FALSE(whole_number("99999999999999999999", 0, LLONG_MAX));
}

} // namespace
} // namespace mae
