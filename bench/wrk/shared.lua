-- What bench/wrk/api.lua and kube.lua share: thread numbers, their arguments' first
-- three, the request headers, and one result line the benchmark parses (wrk's own report
-- is meant for people). Each script loads this file first with dofile, by its path.
--
-- wrk runs a script once in the main Lua state (setup, done) and once per thread (init,
-- request), so per-thread values are globals set with thread:set, not upvalues.

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

-- OPERATION OBJECTS TAG, as both scripts take them, into globals; then `more(args)`.
function init_with(more)
  return function(args)
    operation = args[1]
    objects = tonumber(args[2])
    tag = args[3]
    -- Threads start at different objects, so two of them rarely patch the same one at once.
    counter = thread_id * 7919
    more(args)
  end
end

json = { ["Content-Type"] = "application/json" }
merge_patch = { ["Content-Type"] = "application/merge-patch+json" }

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
