// Every examples/*.textproto parses as the message its "# proto-message:"
// line names, and passes the server's validation, so the examples never rot.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/text_proto.h"
#include "core/fln_hyperparameters.h"
#include "core/network.h"
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

// The value of the file's "# <tag>: value" comment line, or "".
std::string CommentValue(const std::string& text, const std::string& tag) {
  const std::string marker = absl::StrCat("# ", tag, ": ");
  const size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  const size_t end = text.find('\n', at);
  return text.substr(at + marker.size(), end - at - marker.size());
}

// Hidden layers of the model spec a schedule names on its "# fits:" line
// (mlp_300.textproto when it names none).
absl::StatusOr<int> HiddenLayersOfFittedModel(const std::string& schedule_text) {
  std::string model = CommentValue(schedule_text, "fits");
  if (model.empty()) model = "mlp_300.textproto";
  v1::ModelSpec spec;
  absl::Status loaded = client::LoadTextProtoFile(ExamplesDir() + "/" + model, &spec);
  if (!loaded.ok()) return loaded;
  absl::StatusOr<Network> net = Network::Create(spec);
  if (!net.ok()) return net.status();
  return net->num_hidden();
}

TEST(ExamplesTest, EveryExampleParsesAndValidates) {
  const std::vector<std::string> files = ExampleFiles();
  ASSERT_GE(files.size(), 5u) << "examples missing from " << ExamplesDir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    absl::StatusOr<std::string> text = client::ReadFileToString(path);
    ASSERT_TRUE(text.ok()) << text.status();
    const std::string type = CommentValue(*text, "proto-message");
    if (type == "fln.v1.ModelSpec") {
      v1::ModelSpec spec;
      ASSERT_TRUE(client::ParseTextProto(*text, path, &spec).ok());
      EXPECT_TRUE(ValidateModelSpec(spec).ok()) << ValidateModelSpec(spec);
    } else if (type == "fln.v1.Schedule") {
      v1::Schedule schedule;
      absl::Status parsed = client::ParseTextProto(*text, path, &schedule);
      ASSERT_TRUE(parsed.ok()) << parsed;
      const absl::StatusOr<int> hidden = HiddenLayersOfFittedModel(*text);
      ASSERT_TRUE(hidden.ok()) << hidden.status();
      const absl::Status valid = ValidateSchedule(WithDefaults(schedule, *hidden), *hidden);
      EXPECT_TRUE(valid.ok()) << valid;
    } else {
      ADD_FAILURE() << "no \"# proto-message: fln.v1.ModelSpec|Schedule\" line";
    }
  }
}

TEST(ExamplesTest, LeNetSchedulesFitLeNetOnly) {
  v1::ModelSpec lenet;
  ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/lenet5.textproto", &lenet).ok());
  absl::StatusOr<Network> net = Network::Create(lenet);
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_EQ(net->num_hidden(), 4);
  for (const char* name : {"fln_lenet5.textproto", "fln_lenet5_authors.textproto"}) {
    SCOPED_TRACE(name);
    v1::Schedule schedule;
    ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/" + name, &schedule).ok());
    EXPECT_TRUE(ValidateSchedule(WithDefaults(schedule, 4), 4).ok());
    // Per-layer lists sized for LeNet do not fit a one-hidden-layer MLP: the
    // error names the offending schedule.fln field.
    const absl::Status mlp = ValidateSchedule(WithDefaults(schedule, 1), 1);
    EXPECT_FALSE(mlp.ok());
    EXPECT_TRUE(absl::StrContains(mlp.message(), "schedule.fln.")) << mlp;
  }
}

// The authors' schedules are the authors' blocks in fln's units: lambda is
// twice their lmbda (their penalty is 2B) and each rho_d is their
// block-unit weight times w_l = c_1 ... c_l (docs/method.md).
TEST(ExamplesTest, AuthorsSchedulesConvertTheAuthorsUnits) {
  struct Authors {
    const char* file;
    int hidden;
    std::vector<float> block_unit_rho_d;
  };
  for (const Authors& authors :
       {Authors{"fln_authors.textproto", 1, {10, 100}},
        Authors{"fln_lenet5_authors.textproto", 4, {1e-4f, 0.01f, 1, 1, 10}}}) {
    SCOPED_TRACE(authors.file);
    v1::Schedule schedule;
    ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/" + authors.file, &schedule).ok());
    const FlnHyperparameters weights =
        FlnHyperparameters::FromProto(WithDefaults(schedule, authors.hidden).fln(),
                                      authors.hidden);
    for (float lambda : weights.lambda) EXPECT_FLOAT_EQ(lambda, 2.0f);  // lmbda 1 on 2B
    ASSERT_EQ(weights.rho_d.size(), authors.block_unit_rho_d.size());
    for (size_t l = 0; l < weights.rho_d.size(); ++l) {
      EXPECT_FLOAT_EQ(weights.rho_d[l] / weights.layer_weight(static_cast<int>(l)),
                      authors.block_unit_rho_d[l])
          << "W_" << l;
    }
  }
  // The MLP's are also what a schedule with unset FLN fields gets.
  v1::Schedule authors, unset;
  ASSERT_TRUE(client::LoadTextProtoFile(ExamplesDir() + "/fln_authors.textproto", &authors).ok());
  unset.set_method(v1::FLN);
  const v1::FlnOptions defaults = WithDefaults(unset, 1).fln();
  const v1::FlnOptions example = WithDefaults(authors, 1).fln();
  EXPECT_EQ(defaults.lambda(0), example.lambda(0));
  EXPECT_EQ(defaults.c(0), example.c(0));
  EXPECT_EQ(std::vector<float>(defaults.rho_d().begin(), defaults.rho_d().end()),
            std::vector<float>(example.rho_d().begin(), example.rho_d().end()));
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
