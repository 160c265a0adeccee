// metrics_http_abi.h — the C interface between the runtime and the
// metrics HTTP module (libflow_metrics_http.so, metrics_http.cpp). The
// runtime resolves these two functions with dlsym; nothing else crosses.
#pragma once

#include <cstddef>

extern "C" {
/// Appends `len` bytes of `data` to the response body `out`.
typedef void (*FlowMetricsAppend)(void* out, const char* data, std::size_t len);
/// Writes the current exposition through `append` (called on the server's
/// thread, once per request).
typedef void (*FlowMetricsRender)(void* user, void* out, FlowMetricsAppend append);

/// Binds `host:port` (port 0: any free port; the port bound is written to
/// `*boundPort`) and serves GET /metrics on a thread of its own. Returns a
/// handle, or null with the reason in `err` (e.g. "Address already in use").
void* flow_metrics_http_start(const char* host, int port, int* boundPort, FlowMetricsRender render,
                              void* user, char* err, std::size_t errCap);
/// Stops serving, joins the thread, frees the handle. Accepts null.
void flow_metrics_http_stop(void* handle);

typedef void* (*FlowMetricsStartFn)(const char*, int, int*, FlowMetricsRender, void*, char*, std::size_t);
typedef void (*FlowMetricsStopFn)(void*);
}
