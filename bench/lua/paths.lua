-- wrk script: GET the paths listed (one per line) in the file named by PATHS_FILE, in turn.
local paths = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do
    table.insert(paths, line)
  end
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

errors = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status >= 400 then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("errors")
  end
  io.write(string.format("HTTP_ERRORS %d\n", bad))
end
