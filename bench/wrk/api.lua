-- wrk script for bench/api_load.py: one API operation per run, with its own request bodies.
--
--   wrk -s bench/wrk/api.lua URL -- OPERATION OBJECTS TAG
--
-- OPERATION  get | list | create | patch
-- OBJECTS    how many seeded objects exist (named seed-0 .. seed-<OBJECTS-1>)
-- TAG        unique per run, so the names `create` makes never collide with an earlier run's

dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "shared.lua")

init = init_with(function(args) end)


function request()
  counter = counter + 1
  if operation == "get" then
    return wrk.format("GET", "/api/v1/containers/seed-" .. (counter % objects))
  elseif operation == "list" then
    return wrk.format("GET", "/api/v1/containers")
  elseif operation == "create" then
    -- Labelled apart from the seeded objects; stopped, so no controller would run it.
    local body = string.format(
      '{"metadata": {"name": "new-%s-%d-%d", "labels": {"bench": "created"}}, '
        .. '"spec": {"image": "local/busybox:latest", "args": ["true"], "state": "stopped"}}',
      tag, thread_id, counter)
    return wrk.format("POST", "/api/v1/containers", json, body)
  elseif operation == "patch" then
    -- A new label value each time: a patch that changes nothing would skip the etcd write.
    local body = string.format('{"metadata": {"labels": {"n": "%s-%d"}}}', tag, counter)
    return wrk.format("PATCH", "/api/v1/containers/seed-" .. (counter % objects), merge_patch, body)
  end
  error("unknown operation " .. tostring(operation))
end
