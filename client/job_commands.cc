// fln submit | jobs | job get | cancel | watch
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/command.h"
#include "client/format.h"
#include "client/text_proto.h"
#include "client/watch.h"
#include "core/status_macros.h"

namespace fln {
namespace client {
namespace {

absl::Status RequireFlags(const Args& args, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (!args.Has(name)) return UsageError(absl::StrCat("--", name, " is required"));
  }
  return absl::OkStatus();
}

absl::Status PrintJob(const CommandContext& ctx, const v1::Job& job) {
  if (!ctx.json) ctx.Print(JobHeader());
  return ctx.PrintProto(job, JobLine(job));
}

absl::StatusOr<v1::Job> GetJob(const CommandContext& ctx, const std::string& id) {
  v1::GetJobRequest request;
  request.set_id(id);
  v1::Job job;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->jobs().Get(context.get(), request, &job)));
  return job;
}

// The request of `fln submit` from its flags and the two text-proto files.
absl::StatusOr<v1::SubmitJobRequest> BuildSubmitRequest(const Args& args) {
  FLN_RETURN_IF_ERROR(RequireFlags(args, {"train", "model", "schedule"}));
  if (args.Has("test") && args.Has("holdout")) {
    return UsageError("give --test=ID or --holdout=F, not both");
  }
  v1::SubmitJobRequest request;
  request.set_name(args.Get("name"));
  request.set_request_id(args.Get("request_id"));
  request.set_train_dataset_id(args.Get("train"));
  request.set_test_dataset_id(args.Get("test"));
  FLN_ASSIGN_OR_RETURN(const double holdout, args.GetDouble("holdout", 0));
  request.set_holdout_fraction(static_cast<float>(holdout));
  FLN_ASSIGN_OR_RETURN(const int64_t processes, args.GetInt("processes", 0));
  if (processes < 0 || processes > 1 << 20) {
    return UsageError(absl::StrCat("--processes must be in [0, 1048576], got ", processes));
  }
  request.set_processes(static_cast<int32_t>(processes));
  FLN_RETURN_IF_ERROR(LoadTextProtoFile(args.Get("model"), request.mutable_model()));
  FLN_RETURN_IF_ERROR(LoadTextProtoFile(args.Get("schedule"), request.mutable_schedule()));
  v1::Schedule& schedule = *request.mutable_schedule();
  FLN_ASSIGN_OR_RETURN(const int64_t seed, args.GetInt("seed", static_cast<int64_t>(schedule.seed())));
  if (seed < 0) return UsageError(absl::StrCat("--seed must be >= 0, got ", seed));
  schedule.set_seed(static_cast<uint64_t>(seed));
  FLN_ASSIGN_OR_RETURN(const int64_t epochs, args.GetInt("epochs", schedule.epochs()));
  schedule.set_epochs(static_cast<int32_t>(epochs));
  return request;
}

absl::StatusOr<int> Submit(const CommandContext& ctx, const Args& args) {
  FLN_ASSIGN_OR_RETURN(const v1::SubmitJobRequest request, BuildSubmitRequest(args));
  v1::Job job;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->jobs().Submit(context.get(), request, &job)));
  FLN_RETURN_IF_ERROR(PrintJob(ctx, job));
  return kExitOk;
}

absl::StatusOr<int> ListJobs(const CommandContext& ctx, const Args& args) {
  v1::ListJobsRequest request;
  if (args.Has("state")) {
    v1::JobState state;
    if (!v1::JobState_Parse(absl::AsciiStrToUpper(args.Get("state")), &state)) {
      return UsageError(absl::StrCat(
          "--state must be QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED, got ", args.Get("state")));
    }
    request.set_state(state);
  }
  request.set_created_by(args.Get("created_by", ""));
  FLN_ASSIGN_OR_RETURN(const int64_t page_size, args.GetInt("page_size", 0));
  request.set_page_size(static_cast<int32_t>(page_size));
  if (!ctx.json) ctx.Print(JobHeader());
  while (true) {
    v1::ListJobsResponse response;
    auto context = ctx.connection->UnaryContext();
    FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->jobs().List(context.get(), request, &response)));
    for (const v1::Job& job : response.jobs()) {
      FLN_RETURN_IF_ERROR(ctx.PrintProto(job, JobLine(job)));
    }
    // A token that does not move would loop forever; stop instead.
    if (response.next_page_token().empty() ||
        response.next_page_token() == request.page_token()) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  return kExitOk;
}

absl::StatusOr<int> ShowJob(const CommandContext& ctx, const Args& args) {
  FLN_ASSIGN_OR_RETURN(const v1::Job job, GetJob(ctx, args.positional()[0]));
  FLN_RETURN_IF_ERROR(ctx.PrintProto(job, JobDetails(job)));
  return kExitOk;
}

absl::StatusOr<int> Cancel(const CommandContext& ctx, const Args& args) {
  v1::CancelJobRequest request;
  request.set_id(args.positional()[0]);
  v1::Job job;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->jobs().Cancel(context.get(), request, &job)));
  FLN_RETURN_IF_ERROR(PrintJob(ctx, job));
  return kExitOk;
}

// Human mode shows metric records (epochs, and batches when the job reports
// them), state changes and resumptions; --json only the metric events (then
// the summary object).
void PrintEvent(const CommandContext& ctx, const v1::JobEvent& event, int total_epochs) {
  if (event.has_metrics()) {
    ctx.Print(ctx.json ? MetricsJson(event, total_epochs)
                       : ProgressLine(event.metrics(), total_epochs));
  } else if (ctx.json) {
    return;
  } else if (event.has_state() && !IsTerminal(event.state().state())) {
    ctx.Print(absl::StrCat("job ", event.job_id(), " ", StateName(event.state().state())));
  } else if (event.has_resumed()) {
    ctx.Print(absl::StrCat("server restarted; resumed from epoch ", event.resumed().from_epoch()));
  }
}

absl::StatusOr<int> Watch(const CommandContext& ctx, const Args& args) {
  const std::string job_id = args.positional()[0];
  FLN_ASSIGN_OR_RETURN(v1::Job job, GetJob(ctx, job_id));
  const int total_epochs = job.schedule().epochs();
  WatchOptions options;
  FLN_ASSIGN_OR_RETURN(options.from_sequence, args.GetInt("from", 0));
  // One note per break, not one per retry; another once events flow again.
  bool reconnecting = false;
  options.on_reconnect = [&](const absl::Status& status, int64_t next) {
    if (!reconnecting) {
      ctx.Note(absl::StrCat("fln: watch stream broke (", status.ToString(),
                            "); reconnecting from sequence ", next, " for up to ",
                            absl::FormatDuration(options.max_reconnect_time)));
    }
    reconnecting = true;
  };
  const auto on_event = [&](const v1::JobEvent& event) {
    if (reconnecting) ctx.Note("fln: reconnected");
    reconnecting = false;
    PrintEvent(ctx, event, total_epochs);
  };
  FLN_ASSIGN_OR_RETURN(const WatchOutcome outcome,
                       WatchJob(&ctx.connection->jobs(), job_id, options, on_event));
  // The stored job is the authority on the final state and figures; if the
  // server is already gone, the stream's own terminal event still is.
  absl::StatusOr<v1::Job> final_job = GetJob(ctx, job_id);
  if (final_job.ok()) {
    job = *std::move(final_job);
  } else if (outcome.saw_end) {
    job.set_state(outcome.end.state());
    job.set_error_code(outcome.end.error_code());
    job.set_error_message(outcome.end.message());
  } else {
    return final_job.status();
  }
  ctx.Print(ctx.json ? WatchSummaryJson(job, outcome.last_sequence) : WatchSummary(job));
  return job.state() == v1::SUCCEEDED ? kExitOk : kExitJobFailed;
}

}  // namespace

std::vector<Command> JobCommands() {
  return {
      {"submit",
       "--train=ID [--test=ID | --holdout=F] --model=FILE --schedule=FILE [--name=N] "
       "[--request_id=K] [--seed=S] [--epochs=E] [--processes=N]",
       "queue a training job (model: fln.v1.ModelSpec, schedule: fln.v1.Schedule text protos; "
       "--processes=N > 1: data-parallel over N worker processes under mpirun)",
       {{"train"},
        {"test"},
        {"holdout"},
        {"model"},
        {"schedule"},
        {"name"},
        {"request_id"},
        {"seed"},
        {"epochs"},
        {"processes"}},
       0,
       0,
       Submit},
      {"jobs",
       "[--state=STATE] [--created_by=TOKEN_NAME] [--page_size=N]",
       "list jobs, newest first",
       {{"state"}, {"created_by"}, {"page_size"}},
       0,
       0,
       ListJobs},
      {"job get", "ID", "show one job", {}, 1, 1, ShowJob},
      {"cancel", "JOB", "cancel a queued or running job", {}, 1, 1, Cancel},
      {"watch",
       "JOB [--from=SEQ]",
       "stream a job's progress until it ends (exit 0 if it succeeded, 2 if not)",
       {{"from"}},
       1,
       1,
       Watch},
  };
}

}  // namespace client
}  // namespace fln
