-- wrk script for bench/kube_api.py: one Kubernetes API operation on ConfigMaps per run.
--
--   wrk -s bench/wrk/kube.lua URL -- OPERATION OBJECTS TAG PER_NAMESPACE
--
-- OPERATION      get | list | table | page | create | patch (get also drives the floor,
--                which answers the same paths)
-- OBJECTS        how many seeded ConfigMaps exist: cm-00000 .. cm-<OBJECTS-1>, PER_NAMESPACE
--                of them in each of the namespaces bench-0, bench-1, ...
-- TAG            unique per run, so the names `create` makes never collide with another run's
-- PER_NAMESPACE  how many ConfigMaps each namespace holds (what list, table and page return)

dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "shared.lua")

init = init_with(function(args)
  per_namespace = tonumber(args[4])
end)

-- What kubectl get sends: a Table if the server can, else the list itself.
local table_accept = {
  ["Accept"] = "application/json;as=Table;v=v1;g=meta.k8s.io,"
    .. "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
}

local function item_path(index)
  return string.format("/api/v1/namespaces/bench-%d/configmaps/cm-%05d",
    math.floor(index / per_namespace), index)
end

function request()
  counter = counter + 1
  local index = counter % objects
  if operation == "get" then
    return wrk.format("GET", item_path(index))
  elseif operation == "list" then
    return wrk.format("GET", "/api/v1/namespaces/bench-0/configmaps")
  elseif operation == "table" then
    return wrk.format("GET", "/api/v1/namespaces/bench-0/configmaps", table_accept)
  elseif operation == "page" then
    -- kubectl get's first request: a Table page of 500, served from etcd.
    return wrk.format("GET", "/api/v1/namespaces/bench-0/configmaps?limit=500", table_accept)
  elseif operation == "create" then
    local body = string.format(
      '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new-%s-%d-%d", '
        .. '"labels": {"bench": "created"}}, "data": {"mode": "created"}}',
      tag, thread_id, counter)
    return wrk.format("POST", "/api/v1/namespaces/bench-created/configmaps", json, body)
  elseif operation == "patch" then
    -- A new label value each time: a patch that changes nothing would skip the etcd write.
    local body = string.format('{"metadata": {"labels": {"n": "%s-%d"}}}', tag, counter)
    return wrk.format("PATCH", item_path(index), merge_patch, body)
  end
  error("unknown operation " .. tostring(operation))
end
