// fln health: the standard grpc.health.v1.Health/Check.
#include "absl/strings/str_cat.h"
#include "client/command.h"
#include "client/json_output.h"
#include "core/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace fln {
namespace client {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

absl::StatusOr<int> Check(const CommandContext& ctx, const Args& args) {
  HealthCheckRequest request;
  request.set_service(args.Get("service"));
  HealthCheckResponse response;
  auto stub = Health::NewStub(ctx.connection->channel());
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(stub->Check(context.get(), request, &response)));
  const std::string status = HealthCheckResponse::ServingStatus_Name(response.status());
  ctx.Print(ctx.json ? JsonObject().AddString("status", status).str() : status);
  return response.status() == HealthCheckResponse::SERVING ? kExitOk : kExitError;
}

}  // namespace

std::vector<Command> HealthCommands() {
  return {
      {"health", "[--service=NAME]",
       "ask the server's health service (exit 0 if SERVING)", {{"service"}}, 0, 0, Check},
  };
}

}  // namespace client
}  // namespace fln
