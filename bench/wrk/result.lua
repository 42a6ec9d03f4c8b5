-- What bench/wrk/api.lua and kube.lua share: one result line the benchmark parses (wrk's
-- own report is meant for people). Each script loads this file with dofile, by its path.

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p99_us": %.1f, '
      .. '"mean_us": %.1f, "max_us": %.1f, "status_errors": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout))
end
