#include "server/token_authenticator.h"

#include "gtest/gtest.h"
#include "server/fault_injection_env.h"
#include "server/file_util.h"
#include "server/test_util.h"

namespace fln {
namespace {

constexpr char kAlice[] = "alice-0123456789abcdef";
constexpr char kBob[] = "bob-0123456789abcdef";

class TokenAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = testing_util::FreshDir("tokens") + "/tokens"; }
  void Write(const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(Env::Default(), path_, text).ok());
  }
  std::string path_;
};

TEST_F(TokenAuthenticatorTest, NamesTheTokenAndRefusesOthers) {
  Write(absl::StrCat("# operators\nalice ", kAlice, "\n\n  bob\t", kBob, "  \n"));
  auto auth = TokenAuthenticator::FromFile(path_);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ((*auth)->Authenticate(absl::StrCat("Bearer ", kAlice)).value(), "alice");
  EXPECT_EQ((*auth)->Authenticate(absl::StrCat("Bearer ", kBob)).value(), "bob");
  for (const std::string& bad : {std::string(), std::string(kAlice), std::string("Bearer "),
                                 absl::StrCat("Basic ", kAlice), absl::StrCat("Bearer ", kAlice, "x"),
                                 std::string("Bearer alice")}) {
    EXPECT_EQ((*auth)->Authenticate(bad).status().code(), absl::StatusCode::kUnauthenticated)
        << bad;
  }
}

TEST_F(TokenAuthenticatorTest, RevokesAndRotatesOnceASecondAfterTheFileChanges) {
  FaultInjectionEnv env;
  env.UseFakeClock(1000000000);
  Write(absl::StrCat("alice ", kAlice, "\nbob ", kBob, "\n"));
  auto auth = TokenAuthenticator::FromFile(path_, &env);
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_TRUE((*auth)->Authenticate(absl::StrCat("Bearer ", kBob)).ok());
  Write(absl::StrCat("alice ", kAlice, "\n"));  // bob revoked
  env.AdvanceClock(999999);
  EXPECT_TRUE((*auth)->Authenticate(absl::StrCat("Bearer ", kBob)).ok())
      << "the file is looked at no more than once a second";
  env.AdvanceClock(1);
  EXPECT_EQ((*auth)->Authenticate(absl::StrCat("Bearer ", kBob)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE((*auth)->Authenticate(absl::StrCat("Bearer ", kAlice)).ok());
  // A broken edit keeps the tokens in force rather than locking everyone out.
  Write("alice\n");
  env.AdvanceClock(1000000);
  EXPECT_TRUE((*auth)->Authenticate(absl::StrCat("Bearer ", kAlice)).ok());
}

TEST_F(TokenAuthenticatorTest, RejectsMalformedFilesNamingTheLine) {
  for (const std::string& text :
       {std::string("# nothing\n"), std::string("alice\n"), std::string("alice short\n"),
        absl::StrCat("alice ", kAlice, "\nalice ", kBob, "\n"),
        absl::StrCat("alice ", kAlice, " extra\n")}) {
    Write(text);
    const auto auth = TokenAuthenticator::FromFile(path_);
    EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  Write("alice\n");
  EXPECT_NE(TokenAuthenticator::FromFile(path_).status().message().find("line 1"),
            absl::string_view::npos);
  EXPECT_FALSE(TokenAuthenticator::FromFile(path_ + "-missing").ok());
}

}  // namespace
}  // namespace fln
