#include "server/dataset_store.h"

#include <zlib.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/file_util.h"
#include "server/test_util.h"

namespace fln {
namespace {

class DatasetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_util::FreshDir("datasets");
    auto store = MetadataStore::Open(dir_ + "/fln.db");
    ASSERT_TRUE(store.ok());
    meta_ = std::move(store).value();
    Reopen(1 << 20);
  }
  void Reopen(int64_t limit) {
    datasets_.reset();
    DatasetStore::Options options;
    options.data_dir = dir_;
    options.max_upload_bytes = limit;
    options.builtin_dir = dir_ + "/builtin";
    auto datasets = DatasetStore::Create(options, meta_.get());
    ASSERT_TRUE(datasets.ok()) << datasets.status();
    datasets_ = std::move(datasets).value();
  }
  v1::UploadHeader Csv() {
    v1::UploadHeader header;
    header.set_name("t");
    header.set_format(v1::CSV);
    return header;
  }
  size_t Entries(const std::string& sub) {
    return Env::Default()->ListDirectory(dir_ + "/" + sub)->size();
  }

  std::string dir_;
  std::unique_ptr<MetadataStore> meta_;
  std::unique_ptr<DatasetStore> datasets_;
};

TEST_F(DatasetStoreTest, CommittedUploadLoadsBack) {
  auto upload = datasets_->BeginUpload(Csv());
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "0,1,2\n1,").ok());
  ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "3,4\n").ok());
  auto info = (*upload)->Commit();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->num_samples(), 2);
  EXPECT_EQ(info->num_features(), 2);
  EXPECT_EQ(info->num_classes(), 2);
  auto data = datasets_->Load(info->id());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ((*data)->features(1, 1), 4.0f);
  EXPECT_EQ(Entries("tmp"), 0u);
}

TEST_F(DatasetStoreTest, AnAbandonedUploadLeavesNothing) {
  {
    auto upload = datasets_->BeginUpload(Csv());
    ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "0,1\n").ok());
    EXPECT_EQ(Entries("tmp"), 1u);
  }
  EXPECT_EQ(Entries("tmp"), 0u);
  EXPECT_EQ(Entries("datasets"), 0u);
  EXPECT_TRUE(datasets_->List()->empty());
}

TEST_F(DatasetStoreTest, TheLimitIsEnforcedAsBytesArrive) {
  Reopen(10);
  auto upload = datasets_->BeginUpload(Csv());
  ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "0,1,2,3\n").ok());
  const absl::Status status = (*upload)->AddChunk(v1::CSV_TABLE, "1,2,3,4\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("--max_upload_bytes"), absl::string_view::npos) << status;
  EXPECT_EQ((*upload)->Commit().status().code(), absl::StatusCode::kResourceExhausted);
}

// Gzip with a 16-byte header (windowBits 16 + 15), as .gz files carry.
std::string Gzip(const std::string& raw) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, raw.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A big-endian IDX header: magic (type, dims) then each dimension.
std::string IdxHeader(int type, const std::vector<uint32_t>& dims) {
  std::string header = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<char>(d >> shift));
  }
  return header;
}

// The limit counts decompressed bytes: 10,000 blank images (7.8 MB) gzip
// to a few KB, far under the 1 MiB upload limit, and are refused anyway
// while they inflate.
TEST_F(DatasetStoreTest, AGzipBombIsRefusedByItsDecompressedSize) {
  const int n = 10000;
  const std::string images = Gzip(IdxHeader(8, {n, 28, 28}) + std::string(n * 784, '\0'));
  const std::string labels = Gzip(IdxHeader(8, {n}) + std::string(n, '\1'));
  ASSERT_LT(images.size(), 64u << 10);
  v1::UploadHeader header;
  header.set_format(v1::IDX);
  auto upload = datasets_->BeginUpload(header);
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->AddChunk(v1::IMAGES, images).ok());
  ASSERT_TRUE((*upload)->AddChunk(v1::LABELS, labels).ok());
  const absl::StatusOr<v1::Dataset> info = (*upload)->Commit();
  EXPECT_EQ(info.status().code(), absl::StatusCode::kResourceExhausted) << info.status();
  EXPECT_NE(info.status().message().find("--max_upload_bytes"), absl::string_view::npos);
  EXPECT_EQ(info.status().message().find(dir_), absl::string_view::npos)
      << "no server paths in errors: " << info.status();
}

TEST_F(DatasetStoreTest, TamperedFilesAreDataLoss) {
  auto upload = datasets_->BeginUpload(Csv());
  ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "0,1\n1,2\n").ok());
  auto info = (*upload)->Commit();
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(),
                                  absl::StrCat(dir_, "/datasets/", info->id(), "/table.csv"),
                                  "0,1\n1,3\n")
                  .ok());
  EXPECT_EQ(datasets_->Load(info->id()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DatasetStoreTest, StartupRemovesOrphansAndLeftovers) {
  ASSERT_TRUE(CreateDirectories(Env::Default(), dir_ + "/tmp/upload-dead").ok());
  ASSERT_TRUE(CreateDirectories(Env::Default(), dir_ + "/datasets/ds-orphan").ok());
  Reopen(1 << 20);
  EXPECT_EQ(Entries("tmp"), 0u);
  EXPECT_EQ(Entries("datasets"), 0u);
}

TEST_F(DatasetStoreTest, DeleteRemovesFilesAndMetadata) {
  auto upload = datasets_->BeginUpload(Csv());
  ASSERT_TRUE((*upload)->AddChunk(v1::CSV_TABLE, "0,1\n1,2\n").ok());
  auto info = (*upload)->Commit();
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(datasets_->Delete(info->id()).ok());
  EXPECT_EQ(Entries("datasets"), 0u);
  EXPECT_TRUE(absl::IsNotFound(datasets_->Get(info->id()).status()));
}

TEST_F(DatasetStoreTest, ImportingFromAMissingDirectoryNamesTheFlag) {
  const absl::Status status = datasets_->ImportBuiltin("fashion-mnist").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("--builtin_dir"), absl::string_view::npos) << status;
  EXPECT_TRUE(absl::IsNotFound(datasets_->ImportBuiltin("cifar").status()));
}

TEST_F(DatasetStoreTest, ABuiltinDatasetIsImportedOnce) {
  testing_util::PixelData data = testing_util::MakePixelData(4, 10, 50, 20, 3);
  data.train.labels[0] = 9;  // both splits declare 10 classes anyway
  const std::string builtin = dir_ + "/builtin";
  ASSERT_TRUE(CreateDirectories(Env::Default(), builtin).ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), builtin + "/train-images-idx3-ubyte",
                                  testing_util::ToIdxImages(data.train, 2, 2))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), builtin + "/train-labels-idx1-ubyte",
                                  testing_util::ToIdxLabels(data.train))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), builtin + "/t10k-images.idx3-ubyte",
                                  testing_util::ToIdxImages(data.test, 2, 2))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), builtin + "/t10k-labels.idx1-ubyte",
                                  testing_util::ToIdxLabels(data.test))
                  .ok());
  auto first = datasets_->ImportBuiltin("fashion-mnist");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->train().num_samples(), 50);
  EXPECT_EQ(first->test().num_samples(), 20);
  EXPECT_EQ(first->test().num_classes(), 10);
  EXPECT_EQ(first->train().source(), "builtin:fashion-mnist/train");
  auto second = datasets_->ImportBuiltin("fashion-mnist");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->train().id(), first->train().id());
  EXPECT_EQ(datasets_->List()->size(), 2u);
}

}  // namespace
}  // namespace fln
