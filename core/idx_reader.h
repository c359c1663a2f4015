// File: idx_reader.h
//
// Loads image classification data in the IDX format of MNIST and
// Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), raw or gzip-compressed.
//
// An IDX file is a big-endian header followed by uint8 data:
//   images: magic 0x00000803, count, rows, cols, then count*rows*cols pixels
//           (each image row-major);
//   labels: magic 0x00000801, count, then count labels.
// Pixels are returned as floats in [0, 255], unscaled (see normalization.h);
// image i becomes column i of Dataset::features, its pixels in file order.
//
// Every malformed input is an INVALID_ARGUMENT whose message names the file
// (or "images"/"labels" for ParseIdx), the field and the offending values.
//
//   FLN_ASSIGN_OR_RETURN(TrainTestSplit data,
//                        LoadIdxDirectory("/usr/share/datasets/fashion-mnist"));
//   // data.train: 784 x 60000, data.test: 784 x 10000, num_classes 10.
#ifndef FLN_CORE_IDX_READER_H_
#define FLN_CORE_IDX_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/dataset.h"

namespace fln {

// Largest file (after decompression) that LoadIdx reads: far above the 47 MB
// of MNIST's training images, low enough to refuse a runaway gzip bomb.
inline constexpr int64_t kMaxIdxFileBytes = int64_t{1} << 31;

// Largest image (rows * cols) ParseIdx accepts.
inline constexpr int64_t kMaxIdxImagePixels = int64_t{1} << 24;

// Builds a dataset from the decompressed bytes of an IDX image file and an IDX
// label file. `num_classes` == 0 infers max label + 1; > 0 fixes it and makes
// any label >= num_classes an error. height/width come from the image header,
// channels is 1.
//
// Returns INVALID_ARGUMENT for: num_classes < 0; a header shorter than its
// fixed size; a bad magic number; zero images; a zero dimension; an absurd
// image size (rows * cols > kMaxIdxImagePixels) or a count that overflows;
// fewer data bytes than the header declares (truncated) or more (trailing
// garbage); image and label counts that differ; a label >= num_classes.
absl::StatusOr<Dataset> ParseIdx(absl::string_view image_bytes,
                                 absl::string_view label_bytes,
                                 int num_classes = 0);

// Reads the whole file at `path`, decompressing it if it is gzip. Gzip is
// detected from the content (magic bytes 0x1f 0x8b), not the file name;
// concatenated gzip members are decoded as one stream. At most `max_bytes`
// bytes of output are produced, so memory stays bounded even for a gzip bomb.
//
// Returns NOT_FOUND if `path` does not exist; INVALID_ARGUMENT if `path` is a
// directory, max_bytes < 0, or the gzip data is corrupt, truncated or followed
// by non-gzip bytes; RESOURCE_EXHAUSTED if the (decompressed) content exceeds
// `max_bytes`; another errno-derived code for other I/O failures. Every
// message starts with `path`.
absl::StatusOr<std::string> ReadMaybeGzipFile(const std::string& path,
                                              int64_t max_bytes);

// ReadMaybeGzipFile (limit kMaxIdxFileBytes) on both paths, then ParseIdx.
// Errors are those of the two functions; ParseIdx's messages are prefixed with
// the offending file's path.
absl::StatusOr<Dataset> LoadIdx(const std::string& images_path,
                                const std::string& labels_path,
                                int num_classes = 0);

struct TrainTestSplit {
  Dataset train;
  Dataset test;
};

// Loads the standard four files from `dir`:
//   train-images-idx3-ubyte  train-labels-idx1-ubyte
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
// each found under its name, its name + ".gz", or the dotted variant some
// MNIST mirrors use (train-images.idx3-ubyte, ...), raw or + ".gz", tried in
// that order. Both splits get the same num_classes: the larger inferred one.
//
// Returns NOT_FOUND if `dir` or any of the four files is missing (the message
// lists the names tried); INVALID_ARGUMENT if the train and test images differ
// in shape; otherwise LoadIdx's errors.
absl::StatusOr<TrainTestSplit> LoadIdxDirectory(const std::string& dir);

}  // namespace fln

#endif  // FLN_CORE_IDX_READER_H_
