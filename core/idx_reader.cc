#include "core/idx_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace fln {
namespace {

constexpr uint32_t kImageMagic = 0x00000803;
constexpr uint32_t kLabelMagic = 0x00000801;
constexpr size_t kImageHeaderBytes = 16;
constexpr size_t kLabelHeaderBytes = 8;
constexpr size_t kChunkBytes = size_t{1} << 16;

uint32_t ReadBigEndian32(absl::string_view bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) |
         uint32_t{p[3]};
}

// A hint for the two common mix-ups behind a bad magic number.
std::string MagicHint(uint32_t magic) {
  if ((magic >> 16) == 0x1f8b) return " (gzip data: decompress it first)";
  if (magic == kImageMagic) return " (this is an image file)";
  if (magic == kLabelMagic) return " (this is a label file)";
  return "";
}

absl::Status CheckMagic(absl::string_view bytes, absl::string_view name,
                        uint32_t expected, size_t header_bytes) {
  if (bytes.size() < 4) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: file is %d bytes, shorter than the %d-byte IDX header", name,
        bytes.size(), header_bytes));
  }
  const uint32_t magic = ReadBigEndian32(bytes, 0);
  if (magic != expected) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: bad IDX magic 0x%08x, expected 0x%08x%s", name, magic,
                        expected, MagicHint(magic)));
  }
  if (bytes.size() < header_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: file is %d bytes, shorter than the %d-byte IDX header", name,
        bytes.size(), header_bytes));
  }
  return absl::OkStatus();
}

// Checks that exactly `expected` data bytes follow a `header_bytes` header.
// `what` describes the declared content for the message.
absl::Status CheckDataSize(absl::string_view bytes, absl::string_view name,
                           size_t header_bytes, uint64_t expected,
                           absl::string_view what) {
  const uint64_t actual = bytes.size() - header_bytes;
  if (actual < expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: truncated IDX file: header declares %s = %d data bytes, but only %d "
        "follow the %d-byte header",
        name, what, expected, actual, header_bytes));
  }
  if (actual > expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %d bytes of trailing garbage after the %d data bytes declared by "
        "the header (%s)",
        name, actual - expected, expected, what));
  }
  return absl::OkStatus();
}

// ParseIdx with the names used in messages (a label or a path).
absl::StatusOr<Dataset> ParseIdxNamed(absl::string_view image_bytes,
                                      absl::string_view label_bytes,
                                      absl::string_view images_name,
                                      absl::string_view labels_name,
                                      int num_classes) {
  if (num_classes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_classes must be >= 0, got ", num_classes));
  }

  // Images.
  FLN_RETURN_IF_ERROR(
      CheckMagic(image_bytes, images_name, kImageMagic, kImageHeaderBytes));
  const uint64_t num_images = ReadBigEndian32(image_bytes, 4);
  const uint64_t rows = ReadBigEndian32(image_bytes, 8);
  const uint64_t cols = ReadBigEndian32(image_bytes, 12);
  if (num_images == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_name, ": IDX header declares 0 images"));
  }
  if (num_images > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_name, ": IDX header declares ", num_images,
                     " images, more than the supported ",
                     std::numeric_limits<int>::max()));
  }
  if (rows == 0 || cols == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_name, ": IDX image dimensions must be positive, got rows=",
                     rows, " cols=", cols));
  }
  // Both factors are < 2^32, so the product fits in 64 bits.
  const uint64_t pixels = rows * cols;
  if (pixels > static_cast<uint64_t>(kMaxIdxImagePixels)) {
    return absl::InvalidArgumentError(absl::StrCat(
        images_name, ": absurd IDX image size rows=", rows, " cols=", cols, " (",
        pixels, " pixels, limit ", kMaxIdxImagePixels, ")"));
  }
  uint64_t total_pixels = 0;
  if (__builtin_mul_overflow(num_images, pixels, &total_pixels) ||
      total_pixels > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_name, ": IDX size overflows: count=", num_images,
                     " rows=", rows, " cols=", cols));
  }
  FLN_RETURN_IF_ERROR(CheckDataSize(
      image_bytes, images_name, kImageHeaderBytes, total_pixels,
      absl::StrCat(num_images, " images of ", rows, "x", cols)));

  // Labels.
  FLN_RETURN_IF_ERROR(
      CheckMagic(label_bytes, labels_name, kLabelMagic, kLabelHeaderBytes));
  const uint64_t num_labels = ReadBigEndian32(label_bytes, 4);
  FLN_RETURN_IF_ERROR(CheckDataSize(label_bytes, labels_name, kLabelHeaderBytes,
                                    num_labels,
                                    absl::StrCat(num_labels, " labels")));
  if (num_labels != num_images) {
    return absl::InvalidArgumentError(
        absl::StrCat("image count ", num_images, " in ", images_name,
                     " != label count ", num_labels, " in ", labels_name));
  }

  const auto* label_data =
      reinterpret_cast<const unsigned char*>(label_bytes.data()) + kLabelHeaderBytes;
  Dataset data;
  data.labels.resize(num_labels);
  int max_label = 0;
  for (uint64_t i = 0; i < num_labels; ++i) {
    const int label = label_data[i];
    if (num_classes > 0 && label >= num_classes) {
      return absl::InvalidArgumentError(
          absl::StrCat(labels_name, ": label ", label, " at index ", i,
                       " is out of range for num_classes=", num_classes));
    }
    max_label = std::max(max_label, label);
    data.labels[i] = label;
  }
  data.num_classes = num_classes > 0 ? num_classes : max_label + 1;

  const auto* pixel_data =
      reinterpret_cast<const unsigned char*>(image_bytes.data()) + kImageHeaderBytes;
  // Image i's pixels are contiguous in the file, and a column is contiguous
  // in the column-major matrix: the file is the matrix, as uint8.
  data.features =
      Eigen::Map<const Eigen::Matrix<unsigned char, Eigen::Dynamic, Eigen::Dynamic>>(
          pixel_data, static_cast<Eigen::Index>(pixels),
          static_cast<Eigen::Index>(num_images))
          .cast<float>();
  data.height = static_cast<int>(rows);
  data.width = static_cast<int>(cols);
  data.channels = 1;
  return data;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

absl::Status ResourceExhausted(const std::string& path, int64_t max_bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      path, ": content exceeds the limit of ", max_bytes, " bytes"));
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

// Finds the first of `names` that exists in `dir`.
absl::StatusOr<std::string> FindFile(const std::string& dir,
                                     const std::vector<std::string>& names,
                                     absl::string_view what) {
  for (const std::string& name : names) {
    std::string path = absl::StrCat(dir, "/", name);
    if (FileExists(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat(dir, ": no ", what, " file (tried ",
                                          absl::StrJoin(names, ", "), ")"));
}

// The names one standard IDX file may have: `base` is e.g. "train-images" and
// `kind` "idx3-ubyte".
std::vector<std::string> CandidateNames(absl::string_view base, absl::string_view kind) {
  const std::string dashed = absl::StrCat(base, "-", kind);
  const std::string dotted = absl::StrCat(base, ".", kind);
  return {dashed, dashed + ".gz", dotted, dotted + ".gz"};
}

}  // namespace

absl::StatusOr<Dataset> ParseIdx(absl::string_view image_bytes,
                                 absl::string_view label_bytes, int num_classes) {
  return ParseIdxNamed(image_bytes, label_bytes, "images", "labels", num_classes);
}

absl::StatusOr<std::string> ReadMaybeGzipFile(const std::string& path,
                                              int64_t max_bytes) {
  if (max_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": max_bytes must be >= 0, got ", max_bytes));
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat(path, ": file does not exist"));
    }
    return absl::ErrnoToStatus(error, absl::StrCat(path, ": cannot stat"));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": file does not exist"));
    }
    return absl::ErrnoToStatus(error, absl::StrCat(path, ": cannot open"));
  }

  std::vector<unsigned char> in(kChunkBytes);
  int64_t bytes_read = 0;
  // Reads the next chunk into `in`; returns its size, 0 at end of file.
  auto read_chunk = [&]() -> absl::StatusOr<size_t> {
    const size_t n = std::fread(in.data(), 1, in.size(), file.get());
    if (n == 0 && std::ferror(file.get())) {
      return absl::ErrnoToStatus(errno, absl::StrCat(path, ": read failed"));
    }
    bytes_read += static_cast<int64_t>(n);
    return n;
  };

  FLN_ASSIGN_OR_RETURN(size_t n, read_chunk());
  const bool is_gzip = n >= 2 && in[0] == 0x1f && in[1] == 0x8b;
  std::string out;

  if (!is_gzip) {
    if (S_ISREG(st.st_mode)) {
      if (st.st_size > max_bytes) return ResourceExhausted(path, max_bytes);
      out.reserve(static_cast<size_t>(st.st_size));
    }
    while (n > 0) {
      if (static_cast<int64_t>(out.size() + n) > max_bytes) {
        return ResourceExhausted(path, max_bytes);
      }
      out.append(reinterpret_cast<const char*>(in.data()), n);
      FLN_ASSIGN_OR_RETURN(n, read_chunk());
    }
    return out;
  }

  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip wrapper (header and CRC-checked trailer).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError(absl::StrCat(path, ": inflateInit2 failed"));
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> zs_closer(&zs, inflateEnd);
  std::vector<unsigned char> chunk(kChunkBytes);
  zs.next_in = in.data();
  zs.avail_in = static_cast<uInt>(n);
  bool member_done = false;
  bool eof = false;
  // inflate filled the output chunk last time, so it may hold more output
  // even with no input left.
  bool output_pending = false;
  int members = 0;
  for (;;) {
    if (zs.avail_in == 0 && !eof) {
      FLN_ASSIGN_OR_RETURN(n, read_chunk());
      if (n == 0) {
        eof = true;
      } else {
        zs.next_in = in.data();
        zs.avail_in = static_cast<uInt>(n);
      }
    }
    if (member_done) {
      if (zs.avail_in == 0) break;  // end of file right after a member: done
      // More input after a complete member: gzip allows concatenated members.
      inflateReset(&zs);
      member_done = false;
    } else if (zs.avail_in == 0 && !output_pending) {
      break;  // input exhausted mid-member: truncated (reported below)
    }
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int ret = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = chunk.size() - zs.avail_out;
    output_pending = zs.avail_out == 0;
    if (produced > 0) {
      if (static_cast<int64_t>(out.size() + produced) > max_bytes) {
        return ResourceExhausted(path, max_bytes);
      }
      out.append(reinterpret_cast<const char*>(chunk.data()), produced);
    }
    switch (ret) {
      case Z_STREAM_END:
        member_done = true;
        ++members;
        break;
      case Z_OK:
        break;
      case Z_BUF_ERROR:
        // No progress possible: only legitimate when all input is consumed.
        if (zs.avail_in != 0) {
          return absl::InternalError(absl::StrCat(path, ": inflate made no progress"));
        }
        break;
      case Z_DATA_ERROR:
        if (members > 0 && zs.total_out == 0) {
          // total_in counts from the last inflateReset: the garbage's start.
          const int64_t garbage_offset = bytes_read - static_cast<int64_t>(zs.avail_in) -
                                         static_cast<int64_t>(zs.total_in);
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": trailing garbage after gzip member ", members, " at byte ",
              garbage_offset, ": ",
              zs.msg != nullptr ? zs.msg : "invalid header"));
        }
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": corrupt gzip data: ",
                         zs.msg != nullptr ? zs.msg : "data error"));
      case Z_MEM_ERROR:
        return absl::ResourceExhaustedError(
            absl::StrCat(path, ": out of memory while decompressing"));
      default:
        return absl::InternalError(
            absl::StrCat(path, ": inflate returned ", ret,
                         zs.msg != nullptr ? absl::StrCat(": ", zs.msg) : ""));
    }
  }
  if (!member_done) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": truncated gzip stream: input ends after ", bytes_read,
        " bytes without the end-of-stream marker"));
  }
  return out;
}

absl::StatusOr<Dataset> LoadIdx(const std::string& images_path,
                                const std::string& labels_path, int num_classes) {
  FLN_ASSIGN_OR_RETURN(std::string images,
                       ReadMaybeGzipFile(images_path, kMaxIdxFileBytes));
  FLN_ASSIGN_OR_RETURN(std::string labels,
                       ReadMaybeGzipFile(labels_path, kMaxIdxFileBytes));
  return ParseIdxNamed(images, labels, images_path, labels_path, num_classes);
}

absl::StatusOr<TrainTestSplit> LoadIdxDirectory(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(dir, ": directory does not exist"));
  }
  FLN_ASSIGN_OR_RETURN(
      std::string train_images,
      FindFile(dir, CandidateNames("train-images", "idx3-ubyte"), "train images"));
  FLN_ASSIGN_OR_RETURN(
      std::string train_labels,
      FindFile(dir, CandidateNames("train-labels", "idx1-ubyte"), "train labels"));
  FLN_ASSIGN_OR_RETURN(
      std::string test_images,
      FindFile(dir, CandidateNames("t10k-images", "idx3-ubyte"), "test images"));
  FLN_ASSIGN_OR_RETURN(
      std::string test_labels,
      FindFile(dir, CandidateNames("t10k-labels", "idx1-ubyte"), "test labels"));

  TrainTestSplit split;
  FLN_ASSIGN_OR_RETURN(split.train, LoadIdx(train_images, train_labels));
  FLN_ASSIGN_OR_RETURN(split.test, LoadIdx(test_images, test_labels));
  if (split.train.height != split.test.height || split.train.width != split.test.width) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": train images are ", split.train.height, "x", split.train.width,
        " but test images are ", split.test.height, "x", split.test.width));
  }
  // A class absent from one split must not shrink that split's output layer.
  const int num_classes = std::max(split.train.num_classes, split.test.num_classes);
  split.train.num_classes = num_classes;
  split.test.num_classes = num_classes;
  return split;
}

}  // namespace fln
