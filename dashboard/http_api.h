// File: http_api.h
//
// The dashboard's HTTP surface on a cpp-httplib server: JSON endpoints that
// each make one or two flnd calls, the SSE stream of a job's events, and the
// embedded static pages. Every failure is an HTTP status mapped from the
// gRPC code (HttpStatusFor) with ErrorJson as the body.
//
//   GET  /api/jobs[?state=RUNNING]              {"jobs":[Job...]}, newest first
//   GET  /api/jobs/ID                           Job
//   POST /api/jobs/ID/cancel                    Job (needs X-Fln-Request: 1)
//   GET  /api/jobs/ID/events[?from=SEQ]         text/event-stream (sse.h)
//   GET  /api/datasets                          {"datasets":[Dataset...]}
//   GET  /api/models/ID                         Model (spec and figures, no weights)
//   GET  /api/models/ID/confusion?dataset=DS    EvaluateResponse (confusion matrix)
//   POST /api/models/ID/predict                 PredictResponse; body {"inputs":[...]}
//   GET  /, /job.html, /compare.html, /model.html, /static/..., /vendor/...
//
// POSTs must carry the header "X-Fln-Request: 1": a cross-site page cannot
// add it without a CORS preflight, which this server never grants, so another
// site open in the same browser cannot cancel jobs.
//
//   httplib::Server server;
//   RegisterHandlers(flnd.get(), &server);
#ifndef FLN_DASHBOARD_HTTP_API_H_
#define FLN_DASHBOARD_HTTP_API_H_

#include "absl/status/status.h"
#include "dashboard/flnd_client.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace fln {
namespace dashboard {

// 400 INVALID_ARGUMENT / OUT_OF_RANGE, 404 NOT_FOUND, 409 FAILED_PRECONDITION,
// 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 429 RESOURCE_EXHAUSTED,
// 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, 500 otherwise.
int HttpStatusFor(absl::StatusCode code);

// Registers every route. REQUIRES: `flnd` outlives `server`'s listening.
void RegisterHandlers(FlndClient* flnd, httplib::Server* server);

}  // namespace dashboard
}  // namespace fln

#endif  // FLN_DASHBOARD_HTTP_API_H_
