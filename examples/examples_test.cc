// Every examples/*.textproto parses as the message its "# proto-message:"
// line names, and passes the server's validation, so the examples never rot.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/text_proto.h"
#include "core/validation.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"

namespace fln {
namespace {

std::string ExamplesDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/fln/examples");
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(ExamplesDir())) {
    if (absl::EndsWith(entry.path().string(), ".textproto")) files.push_back(entry.path().string());
  }
  return files;
}

// The type named on the file's "# proto-message: fln.v1.X" line, or "".
std::string DeclaredType(const std::string& text) {
  const std::string kTag = "# proto-message: ";
  const size_t at = text.find(kTag);
  if (at == std::string::npos) return "";
  const size_t end = text.find('\n', at);
  return text.substr(at + kTag.size(), end - at - kTag.size());
}

TEST(ExamplesTest, EveryExampleParsesAndValidates) {
  const std::vector<std::string> files = ExampleFiles();
  ASSERT_GE(files.size(), 5u) << "examples missing from " << ExamplesDir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    absl::StatusOr<std::string> text = client::ReadFileToString(path);
    ASSERT_TRUE(text.ok()) << text.status();
    const std::string type = DeclaredType(*text);
    if (type == "fln.v1.ModelSpec") {
      v1::ModelSpec spec;
      ASSERT_TRUE(client::ParseTextProto(*text, path, &spec).ok());
      EXPECT_TRUE(ValidateModelSpec(spec).ok()) << ValidateModelSpec(spec);
    } else if (type == "fln.v1.Schedule") {
      v1::Schedule schedule;
      absl::Status parsed = client::ParseTextProto(*text, path, &schedule);
      ASSERT_TRUE(parsed.ok()) << parsed;
      // The schedules are written for mlp_300: one hidden layer.
      const absl::Status valid = ValidateSchedule(WithDefaults(schedule, 1), 1);
      EXPECT_TRUE(valid.ok()) << valid;
    } else {
      ADD_FAILURE() << "no \"# proto-message: fln.v1.ModelSpec|Schedule\" line";
    }
  }
}

TEST(ExamplesTest, DeepModelTrainsWithBackpropAndDefaultFln) {
  v1::Schedule backprop;
  ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/backprop_adam.textproto", &backprop).ok());
  EXPECT_TRUE(ValidateSchedule(WithDefaults(backprop, 2), 2).ok());
  v1::Schedule fln;
  ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/fln_fast.textproto", &fln).ok());
  fln.mutable_fln()->clear_rho_d();  // as mlp_300_100.textproto advises
  EXPECT_TRUE(ValidateSchedule(WithDefaults(fln, 2), 2).ok());
}

}  // namespace
}  // namespace fln
