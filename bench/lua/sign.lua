-- wrk script: every request signs with a new address, from a new client address.
-- Environment: CSRF_TOKEN, CSRF_COOKIE, SIGN_PATH, DELAY_MS (0: as fast as possible).
-- `number` is a global that setup() gives each thread (a local here would hide it, and
-- then every thread would send the same addresses: half the signs would be resubmissions).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("CSRF_TOKEN")
  cookie = os.getenv("CSRF_COOKIE")
  path = os.getenv("SIGN_PATH")
  pause = tonumber(os.getenv("DELAY_MS") or "0")
  number = number or 0
  math.randomseed(os.time() * 1000 + number)
  run = math.random(1, 2000000000)
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", number % 250, math.floor(counter / 250) % 250, counter % 250 + 1)
  local body = "csrfmiddlewaretoken=" .. token
    .. "&kind=person&name=Bench+Signer+" .. counter
    .. "&email=b" .. run .. "-" .. number .. "-" .. counter .. "%40example.org"
    .. "&country=FR&show_name=on&consent=on"
  local headers = {}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Cookie"] = "csrftoken=" .. cookie
  headers["X-Forwarded-For"] = ip
  return wrk.format("POST", path, headers, body)
end

errors = 0
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
