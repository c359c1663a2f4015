#include "core/idx_reader.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

using ::testing::HasSubstr;

void AppendBigEndian32(uint32_t value, std::string* out) {
  out->push_back(static_cast<char>(value >> 24));
  out->push_back(static_cast<char>(value >> 16));
  out->push_back(static_cast<char>(value >> 8));
  out->push_back(static_cast<char>(value));
}

// An IDX image file of `count` rows x cols images; pixel k of image i is
// (i * 16 + k) mod 256.
std::string ImageBytes(uint32_t count, uint32_t rows, uint32_t cols,
                       uint32_t magic = 0x00000803) {
  std::string out;
  AppendBigEndian32(magic, &out);
  AppendBigEndian32(count, &out);
  AppendBigEndian32(rows, &out);
  AppendBigEndian32(cols, &out);
  for (uint32_t i = 0; i < count; ++i) {
    for (uint32_t k = 0; k < rows * cols; ++k) {
      out.push_back(static_cast<char>((i * 16 + k) % 256));
    }
  }
  return out;
}

std::string LabelBytes(const std::vector<uint8_t>& labels, uint32_t magic = 0x00000801) {
  std::string out;
  AppendBigEndian32(magic, &out);
  AppendBigEndian32(static_cast<uint32_t>(labels.size()), &out);
  for (uint8_t label : labels) out.push_back(static_cast<char>(label));
  return out;
}

// A fresh directory under the test's temp dir.
std::string MakeTempDir(const std::string& name) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(out.good()) << path;
}

void WriteGzipFile(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(gzwrite(file, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Gzip of `content`, in memory.
std::string Gzip(const std::string& content, const std::string& scratch_name) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", scratch_name);
  WriteGzipFile(path, content);
  return ReadRaw(path);
}

// --- ParseIdx -------------------------------------------------------------

TEST(ParseIdxTest, ReadsPixelsAsUnscaledFloatsOneImagePerColumn) {
  absl::StatusOr<Dataset> data =
      ParseIdx(ImageBytes(3, 2, 4), LabelBytes({1, 0, 2}));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_features(), 8);
  EXPECT_EQ(data->num_samples(), 3);
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 8; ++k) {
      EXPECT_EQ(data->features(k, i), static_cast<float>((i * 16 + k) % 256))
          << "image " << i << " pixel " << k;
    }
  }
}

TEST(ParseIdxTest, KeepsPixel255Unscaled) {
  std::string images = ImageBytes(1, 1, 2);
  images[16] = static_cast<char>(255);
  absl::StatusOr<Dataset> data = ParseIdx(images, LabelBytes({0}));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->features(0, 0), 255.0f);
}

TEST(ParseIdxTest, SetsImageShapeAndLabels) {
  absl::StatusOr<Dataset> data = ParseIdx(ImageBytes(3, 2, 4), LabelBytes({1, 0, 2}));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->height, 2);
  EXPECT_EQ(data->width, 4);
  EXPECT_EQ(data->channels, 1);
  EXPECT_EQ(data->labels, (std::vector<int32_t>{1, 0, 2}));
}

TEST(ParseIdxTest, InfersNumClassesAsMaxLabelPlusOne) {
  absl::StatusOr<Dataset> data = ParseIdx(ImageBytes(3, 1, 1), LabelBytes({4, 0, 2}));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 5);
}

TEST(ParseIdxTest, UsesGivenNumClasses) {
  absl::StatusOr<Dataset> data =
      ParseIdx(ImageBytes(2, 1, 1), LabelBytes({1, 0}), /*num_classes=*/10);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 10);
}

template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& data, const std::string& fact) {
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument) << data.status();
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(fact));
}

TEST(ParseIdxTest, RejectsBadImageMagic) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 1, 1, 0x00000802), LabelBytes({0})),
                "images: bad IDX magic 0x00000802, expected 0x00000803");
}

TEST(ParseIdxTest, RejectsLabelFileGivenAsImages) {
  ExpectInvalid(ParseIdx(LabelBytes({0}), LabelBytes({0})),
                "images: bad IDX magic 0x00000801, expected 0x00000803");
}

TEST(ParseIdxTest, RejectsBadLabelMagic) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 1, 1), LabelBytes({0}, 0x00000803)),
                "labels: bad IDX magic 0x00000803, expected 0x00000801");
}

TEST(ParseIdxTest, RejectsCompressedBytesWithHint) {
  const std::string gz = Gzip(ImageBytes(1, 1, 1), "hint.gz");
  ExpectInvalid(ParseIdx(gz, LabelBytes({0})), "gzip");
}

TEST(ParseIdxTest, RejectsEmptyImageFile) {
  ExpectInvalid(ParseIdx("", LabelBytes({0})), "images: file is 0 bytes");
}

TEST(ParseIdxTest, RejectsTruncatedImageHeader) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 1, 1).substr(0, 10), LabelBytes({0})),
                "images: file is 10 bytes, shorter than the 16-byte IDX header");
}

TEST(ParseIdxTest, RejectsTruncatedLabelHeader) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 1, 1), LabelBytes({0}).substr(0, 6)),
                "labels: file is 6 bytes, shorter than the 8-byte IDX header");
}

TEST(ParseIdxTest, RejectsTruncatedPixels) {
  const std::string images = ImageBytes(3, 2, 2);  // 12 pixel bytes
  ExpectInvalid(ParseIdx(images.substr(0, images.size() - 1), LabelBytes({0, 0, 0})),
                "images: truncated IDX file: header declares 3 images of 2x2 = 12 data "
                "bytes, but only 11 follow");
}

TEST(ParseIdxTest, RejectsTruncatedLabels) {
  const std::string labels = LabelBytes({0, 1, 2});
  ExpectInvalid(ParseIdx(ImageBytes(3, 1, 1), labels.substr(0, labels.size() - 1)),
                "labels: truncated IDX file: header declares 3 labels = 3 data bytes, but "
                "only 2 follow");
}

TEST(ParseIdxTest, RejectsTrailingGarbageAfterPixels) {
  ExpectInvalid(ParseIdx(ImageBytes(2, 2, 2) + "xyz", LabelBytes({0, 1})),
                "images: 3 bytes of trailing garbage after the 8 data bytes");
}

TEST(ParseIdxTest, RejectsTrailingGarbageAfterLabels) {
  ExpectInvalid(ParseIdx(ImageBytes(2, 1, 1), LabelBytes({0, 1}) + "!"),
                "labels: 1 bytes of trailing garbage after the 2 data bytes");
}

TEST(ParseIdxTest, RejectsCountMismatch) {
  ExpectInvalid(ParseIdx(ImageBytes(3, 1, 1), LabelBytes({0, 1})),
                "image count 3 in images != label count 2 in labels");
}

TEST(ParseIdxTest, RejectsLabelOutOfRange) {
  ExpectInvalid(ParseIdx(ImageBytes(3, 1, 1), LabelBytes({0, 10, 1}), 10),
                "labels: label 10 at index 1 is out of range for num_classes=10");
}

TEST(ParseIdxTest, RejectsNegativeNumClasses) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 1, 1), LabelBytes({0}), -1),
                "num_classes must be >= 0, got -1");
}

TEST(ParseIdxTest, RejectsZeroImages) {
  ExpectInvalid(ParseIdx(ImageBytes(0, 28, 28), LabelBytes({})),
                "images: IDX header declares 0 images");
}

TEST(ParseIdxTest, RejectsZeroDimension) {
  ExpectInvalid(ParseIdx(ImageBytes(1, 0, 28), LabelBytes({0})),
                "images: IDX image dimensions must be positive, got rows=0 cols=28");
}

TEST(ParseIdxTest, RejectsAbsurdImageSizeWithoutAllocating) {
  std::string header;
  AppendBigEndian32(0x00000803, &header);
  AppendBigEndian32(1, &header);
  AppendBigEndian32(0xFFFFFFFF, &header);
  AppendBigEndian32(0xFFFFFFFF, &header);
  ExpectInvalid(ParseIdx(header, LabelBytes({0})),
                "images: absurd IDX image size rows=4294967295 cols=4294967295");
}

TEST(ParseIdxTest, RejectsHugeCountAgainstShortFile) {
  // count * rows * cols = 2^31 - 1 (times 4096) bytes declared, 0 present:
  // must be reported as truncated, not attempted.
  std::string header;
  AppendBigEndian32(0x00000803, &header);
  AppendBigEndian32(0x7FFFFFFF, &header);
  AppendBigEndian32(64, &header);
  AppendBigEndian32(64, &header);
  ExpectInvalid(ParseIdx(header, LabelBytes({0})),
                "images: truncated IDX file: header declares 2147483647 images of 64x64");
}

TEST(ParseIdxTest, RejectsCountBeyondIntRange) {
  std::string header;
  AppendBigEndian32(0x00000803, &header);
  AppendBigEndian32(0x80000000, &header);
  AppendBigEndian32(1, &header);
  AppendBigEndian32(1, &header);
  ExpectInvalid(ParseIdx(header, LabelBytes({0})),
                "images: IDX header declares 2147483648 images, more than the supported");
}

// --- ReadMaybeGzipFile ----------------------------------------------------

TEST(ReadMaybeGzipFileTest, ReadsRawFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/raw.bin");
  const std::string content("\x00\x01\x1f\x8b raw bytes", 14);
  WriteFile(path, content);
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(ReadMaybeGzipFileTest, ReadsEmptyFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/empty.bin");
  WriteFile(path, "");
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST(ReadMaybeGzipFileTest, DecompressesGzipDetectedByContentNotName) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/compressed.bin");
  const std::string content = ImageBytes(5, 10, 10);
  WriteGzipFile(path, content);
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(ReadMaybeGzipFileTest, DecompressesOutputLargerThanOneChunk) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/large.gz");
  std::string content;
  for (int64_t i = 0; i < 1000000; ++i) content.push_back(static_cast<char>((i * 7919) >> 5));
  WriteGzipFile(path, content);
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1 << 21);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(ReadMaybeGzipFileTest, DecompressesConcatenatedMembers) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/members.gz");
  WriteFile(path, Gzip("hello ", "m1.gz") + Gzip("world", "m2.gz"));
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "hello world");
}

TEST(ReadMaybeGzipFileTest, MissingFileIsNotFound) {
  absl::StatusOr<std::string> read =
      ReadMaybeGzipFile(absl::StrCat(::testing::TempDir(), "/no-such-file"), 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("no-such-file"));
}

TEST(ReadMaybeGzipFileTest, DirectoryIsInvalidArgument) {
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(::testing::TempDir(), 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("is a directory"));
}

TEST(ReadMaybeGzipFileTest, TruncatedGzipIsInvalidArgument) {
  const std::string gz = Gzip(ImageBytes(20, 10, 10), "full.gz");
  const std::string path = absl::StrCat(::testing::TempDir(), "/truncated.gz");
  WriteFile(path, gz.substr(0, gz.size() / 2));
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1 << 20);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("truncated gzip"));
}

TEST(ReadMaybeGzipFileTest, GzipMissingOnlyItsTrailerIsTruncated) {
  const std::string gz = Gzip("some content", "trailer.gz");
  const std::string path = absl::StrCat(::testing::TempDir(), "/no-trailer.gz");
  WriteFile(path, gz.substr(0, gz.size() - 8));  // drop CRC32 + ISIZE
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("truncated gzip"));
}

TEST(ReadMaybeGzipFileTest, CorruptGzipIsInvalidArgument) {
  std::string gz = Gzip(ImageBytes(20, 10, 10), "tocorrupt.gz");
  // Flip bits in the deflate data (after the 10-byte header).
  for (size_t i = 10; i < 30 && i < gz.size(); ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  const std::string path = absl::StrCat(::testing::TempDir(), "/corrupt.gz");
  WriteFile(path, gz);
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1 << 20);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("corrupt.gz"));
}

TEST(ReadMaybeGzipFileTest, BadChecksumIsInvalidArgument) {
  std::string gz = Gzip("checksummed content", "crc.gz");
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x01);  // CRC32
  const std::string path = absl::StrCat(::testing::TempDir(), "/badcrc.gz");
  WriteFile(path, gz);
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("corrupt gzip data"));
}

TEST(ReadMaybeGzipFileTest, TrailingGarbageAfterGzipIsInvalidArgument) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/garbage.gz");
  WriteFile(path, Gzip("payload", "payload.gz") + "garbage!");
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("trailing garbage"));
}

TEST(ReadMaybeGzipFileTest, DecompressedSizeOverLimitIsResourceExhausted) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/bomb.gz");
  WriteGzipFile(path, std::string(1 << 20, '\0'));  // ~1 KB compressed
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kResourceExhausted) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("1000 bytes"));
}

TEST(ReadMaybeGzipFileTest, RawSizeOverLimitIsResourceExhausted) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/big.bin");
  WriteFile(path, std::string(2000, 'x'));
  absl::StatusOr<std::string> read = ReadMaybeGzipFile(path, 1999);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kResourceExhausted) << read.status();
}

TEST(ReadMaybeGzipFileTest, SizeExactlyAtLimitIsAccepted) {
  const std::string raw_path = absl::StrCat(::testing::TempDir(), "/exact.bin");
  const std::string gz_path = absl::StrCat(::testing::TempDir(), "/exact.gz");
  WriteFile(raw_path, std::string(2000, 'x'));
  WriteGzipFile(gz_path, std::string(2000, 'x'));
  EXPECT_TRUE(ReadMaybeGzipFile(raw_path, 2000).ok());
  EXPECT_TRUE(ReadMaybeGzipFile(gz_path, 2000).ok());
}

// --- LoadIdx / LoadIdxDirectory -------------------------------------------

TEST(LoadIdxTest, LoadsRawAndGzipFilesAlike) {
  const std::string dir = MakeTempDir("load_idx");
  WriteFile(dir + "/images", ImageBytes(4, 3, 3));
  WriteGzipFile(dir + "/labels.gz", LabelBytes({3, 1, 0, 2}));
  absl::StatusOr<Dataset> data = LoadIdx(dir + "/images", dir + "/labels.gz");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 4);
  EXPECT_EQ(data->num_features(), 9);
  EXPECT_EQ(data->num_classes, 4);
  EXPECT_EQ(data->features(8, 3), static_cast<float>(3 * 16 + 8));
}

TEST(LoadIdxTest, ErrorNamesTheFile) {
  const std::string dir = MakeTempDir("load_idx_error");
  WriteFile(dir + "/images", ImageBytes(2, 3, 3));
  WriteFile(dir + "/my-labels", LabelBytes({0, 1, 2}));
  absl::StatusOr<Dataset> data = LoadIdx(dir + "/images", dir + "/my-labels");
  ExpectInvalid(data, "image count 2 in " + dir + "/images != label count 3 in " + dir +
                          "/my-labels");
}

TEST(LoadIdxTest, MissingFileIsNotFound) {
  const std::string dir = MakeTempDir("load_idx_missing");
  WriteFile(dir + "/images", ImageBytes(2, 3, 3));
  absl::StatusOr<Dataset> data = LoadIdx(dir + "/images", dir + "/absent");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadIdxDirectoryTest, LoadsMixedRawGzipAndDottedNames) {
  const std::string dir = MakeTempDir("idx_dir");
  WriteGzipFile(dir + "/train-images-idx3-ubyte.gz", ImageBytes(3, 2, 2));
  WriteFile(dir + "/train-labels-idx1-ubyte", LabelBytes({0, 1, 1}));
  WriteFile(dir + "/t10k-images.idx3-ubyte", ImageBytes(2, 2, 2));
  WriteGzipFile(dir + "/t10k-labels.idx1-ubyte.gz", LabelBytes({0, 0}));
  absl::StatusOr<TrainTestSplit> split = LoadIdxDirectory(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train.num_samples(), 3);
  EXPECT_EQ(split->test.num_samples(), 2);
  EXPECT_EQ(split->test.height, 2);
}

TEST(LoadIdxDirectoryTest, BothSplitsGetTheLargerNumClasses) {
  const std::string dir = MakeTempDir("idx_dir_classes");
  WriteFile(dir + "/train-images-idx3-ubyte", ImageBytes(2, 1, 1));
  WriteFile(dir + "/train-labels-idx1-ubyte", LabelBytes({0, 2}));
  WriteFile(dir + "/t10k-images-idx3-ubyte", ImageBytes(2, 1, 1));
  WriteFile(dir + "/t10k-labels-idx1-ubyte", LabelBytes({4, 1}));
  absl::StatusOr<TrainTestSplit> split = LoadIdxDirectory(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train.num_classes, 5);
  EXPECT_EQ(split->test.num_classes, 5);
}

TEST(LoadIdxDirectoryTest, MissingFileIsNotFoundListingNamesTried) {
  const std::string dir = MakeTempDir("idx_dir_missing");
  WriteFile(dir + "/train-images-idx3-ubyte", ImageBytes(2, 1, 1));
  WriteFile(dir + "/train-labels-idx1-ubyte", LabelBytes({0, 1}));
  WriteFile(dir + "/t10k-images-idx3-ubyte", ImageBytes(2, 1, 1));
  absl::StatusOr<TrainTestSplit> split = LoadIdxDirectory(dir);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(split.status().message()),
              HasSubstr("t10k-labels-idx1-ubyte.gz"));
}

TEST(LoadIdxDirectoryTest, MissingDirectoryIsNotFound) {
  absl::StatusOr<TrainTestSplit> split =
      LoadIdxDirectory(absl::StrCat(::testing::TempDir(), "/no-such-dir"));
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadIdxDirectoryTest, RejectsTrainTestShapeMismatch) {
  const std::string dir = MakeTempDir("idx_dir_shape");
  WriteFile(dir + "/train-images-idx3-ubyte", ImageBytes(2, 2, 2));
  WriteFile(dir + "/train-labels-idx1-ubyte", LabelBytes({0, 1}));
  WriteFile(dir + "/t10k-images-idx3-ubyte", ImageBytes(2, 1, 4));
  WriteFile(dir + "/t10k-labels-idx1-ubyte", LabelBytes({0, 1}));
  ExpectInvalid(LoadIdxDirectory(dir),
                "train images are 2x2 but test images are 1x4");
}

TEST(LoadIdxDirectoryTest, LoadsRealFashionMnist) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) GTEST_SKIP() << dir << " not present";
  absl::StatusOr<TrainTestSplit> split = LoadIdxDirectory(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train.num_samples(), 60000);
  EXPECT_EQ(split->test.num_samples(), 10000);
  EXPECT_EQ(split->train.num_features(), 784);
  EXPECT_EQ(split->test.num_features(), 784);
  EXPECT_EQ(split->train.num_classes, 10);
  EXPECT_EQ(split->test.num_classes, 10);
  EXPECT_EQ(split->train.height, 28);
  EXPECT_EQ(split->train.width, 28);
  EXPECT_EQ(split->train.features.maxCoeff(), 255.0f);
  EXPECT_EQ(split->train.features.minCoeff(), 0.0f);
  // Fashion-MNIST is balanced: 6000 train images per class.
  std::vector<int> counts(10, 0);
  for (int32_t label : split->train.labels) ++counts[label];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[c], 6000) << "class " << c;
}

}  // namespace
}  // namespace fln
