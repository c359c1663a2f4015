#include "dashboard/http_api.h"

#include <httplib.h>

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/json_output.h"
#include "client/watch.h"
#include "dashboard/json_convert.h"
#include "dashboard/sse.h"
#include "dashboard/static_files.h"

namespace fln {
namespace dashboard {
namespace {

constexpr char kJson[] = "application/json";

void SendError(const absl::Status& status, httplib::Response* res) {
  res->status = HttpStatusFor(status.code());
  res->set_content(ErrorJson(status), kJson);
}

void SendProto(const absl::StatusOr<std::string>& json, httplib::Response* res) {
  if (!json.ok()) return SendError(json.status(), res);
  res->set_header("Cache-Control", "no-store");
  res->set_content(*json, kJson);
}

template <typename T>
void SendResult(const absl::StatusOr<T>& result, httplib::Response* res) {
  if (!result.ok()) return SendError(result.status(), res);
  SendProto(client::ProtoToJson(*result), res);
}

// Refuses a POST without the header a cross-site form cannot send.
bool CheckPostHeader(const httplib::Request& req, httplib::Response* res) {
  if (req.get_header_value("X-Fln-Request") == "1") return true;
  SendError(absl::PermissionDeniedError("a POST needs the header X-Fln-Request: 1"), res);
  return false;
}

void ListJobs(FlndClient* flnd, const httplib::Request& req, httplib::Response* res) {
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;
  const std::string wanted = absl::AsciiStrToUpper(req.get_param_value("state"));
  if (!wanted.empty() && wanted != "ALL" && !v1::JobState_Parse(wanted, &state)) {
    return SendError(absl::InvalidArgumentError(absl::StrCat(
                         "state must be QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED, got ",
                         req.get_param_value("state"))),
                     res);
  }
  absl::StatusOr<std::vector<v1::Job>> jobs = flnd->ListJobs(state);
  if (!jobs.ok()) return SendError(jobs.status(), res);
  v1::ListJobsResponse response;
  for (v1::Job& job : *jobs) *response.add_jobs() = std::move(job);
  SendProto(client::ProtoToJson(response), res);
}

void ListDatasets(FlndClient* flnd, httplib::Response* res) {
  absl::StatusOr<std::vector<v1::Dataset>> datasets = flnd->ListDatasets();
  if (!datasets.ok()) return SendError(datasets.status(), res);
  v1::ListDatasetsResponse response;
  for (v1::Dataset& dataset : *datasets) *response.add_datasets() = std::move(dataset);
  SendProto(client::ProtoToJson(response), res);
}

// The job's events as SSE, backed by one Watch per HTTP connection: the
// handler thread follows the stream until the job ends or the browser leaves
// (a failed write, noticed at the latest on flnd's next heartbeat).
void StreamEvents(FlndClient* flnd, const httplib::Request& req, httplib::Response* res) {
  const std::string job_id = req.matches[1];
  absl::StatusOr<int64_t> first =
      FirstSequence(req.get_header_value("Last-Event-ID"), req.get_param_value("from"));
  if (!first.ok()) return SendError(first.status(), res);
  absl::StatusOr<v1::Job> job = flnd->GetJob(job_id);
  if (!job.ok()) return SendError(job.status(), res);
  if (client::IsTerminal(job->state()) && *first > job->last_sequence()) {
    // Everything was sent before: 204 tells EventSource to stop reconnecting.
    res->status = 204;
    return;
  }
  res->set_header("Cache-Control", "no-store");
  res->set_chunked_content_provider(
      "text/event-stream",
      [flnd, job_id, from_sequence = *first](size_t /*offset*/, httplib::DataSink& sink) {
        // Reconnect quickly after a break (EventSource's default is ~3 s).
        const std::string retry = "retry: 1000\n\n";
        if (!sink.write(retry.data(), retry.size())) return false;
        absl::Status write_error;
        absl::Status status = flnd->Watch(job_id, from_sequence, [&](const v1::JobEvent& event) {
          absl::StatusOr<std::string> message = SseForEvent(event);
          if (!message.ok()) {
            write_error = message.status();
            return false;
          }
          return sink.write(message->data(), message->size());
        });
        if (status.ok() && !write_error.ok()) status = write_error;
        // OUT_OF_RANGE: the job ended before the first wanted event.
        const std::string last = status.ok() || status.code() == absl::StatusCode::kOutOfRange
                                     ? SseEnd()
                                     : SseError(status);
        sink.write(last.data(), last.size());
        sink.done();
        return true;
      });
}

void Confusion(FlndClient* flnd, const httplib::Request& req, httplib::Response* res) {
  const std::string dataset = req.get_param_value("dataset");
  if (dataset.empty()) {
    return SendError(absl::InvalidArgumentError("the query needs dataset=DATASET_ID"), res);
  }
  // Evaluate returns the confusion matrix itself; no need to predict here.
  SendResult(flnd->Evaluate(req.matches[1], dataset), res);
}

void Predict(FlndClient* flnd, const httplib::Request& req, httplib::Response* res) {
  if (!CheckPostHeader(req, res)) return;
  absl::StatusOr<v1::PredictRequest> request = ParsePredictRequest(req.body, req.matches[1]);
  if (!request.ok()) return SendError(request.status(), res);
  SendResult(flnd->Predict(*request), res);
}

void ServeStatic(const httplib::Request& req, httplib::Response* res) {
  const StaticFile* file = FindStaticFile(req.path);
  if (file == nullptr) {
    return SendError(absl::NotFoundError(absl::StrCat("no page ", req.path)), res);
  }
  res->set_header("Cache-Control", "no-cache");
  res->set_content(file->body, file->content_type.c_str());
}

}  // namespace

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    default: return 500;
  }
}

void RegisterHandlers(FlndClient* flnd, httplib::Server* server) {
  using httplib::Request;
  using httplib::Response;
  constexpr char kId[] = "([A-Za-z0-9_.:-]+)";
  server->Get("/api/jobs", [flnd](const Request& req, Response& res) {
    ListJobs(flnd, req, &res);
  });
  server->Get(absl::StrCat("/api/jobs/", kId), [flnd](const Request& req, Response& res) {
    SendResult(flnd->GetJob(req.matches[1]), &res);
  });
  server->Post(absl::StrCat("/api/jobs/", kId, "/cancel"),
               [flnd](const Request& req, Response& res) {
                 if (CheckPostHeader(req, &res)) SendResult(flnd->CancelJob(req.matches[1]), &res);
               });
  server->Get(absl::StrCat("/api/jobs/", kId, "/events"),
              [flnd](const Request& req, Response& res) { StreamEvents(flnd, req, &res); });
  server->Get("/api/datasets",
              [flnd](const Request&, Response& res) { ListDatasets(flnd, &res); });
  server->Get(absl::StrCat("/api/models/", kId), [flnd](const Request& req, Response& res) {
    SendResult(flnd->GetModel(req.matches[1]), &res);
  });
  server->Get(absl::StrCat("/api/models/", kId, "/confusion"),
              [flnd](const Request& req, Response& res) { Confusion(flnd, req, &res); });
  server->Post(absl::StrCat("/api/models/", kId, "/predict"),
               [flnd](const Request& req, Response& res) { Predict(flnd, req, &res); });
  server->Get("/api/.*", [](const Request& req, Response& res) {
    SendError(absl::NotFoundError(absl::StrCat("no endpoint GET ", req.path)), &res);
  });
  server->Get("/.*", [](const Request& req, Response& res) { ServeStatic(req, &res); });
}

}  // namespace dashboard
}  // namespace fln
