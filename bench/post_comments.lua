-- wrk script: readers posting new comments through the form (bench_http.py's submission figure).
--   wrk -t2 -c8 -d8s -s bench/post_comments.lua URL -- PATH COOKIE CSRF_TOKEN
-- Each request is a new comment with its own form token; the address of each comment acknowledged (303, its
-- anchor "#comment-ID" in Location) is collected, and `done` prints them for the run to count in the database.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  path, cookie, csrf = args[1], args[2], args[3]
  sent, acknowledged, refused = 0, {}, 0
  math.randomseed(number * 7919 + os.time())
end

local function encoded(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  sent = sent + 1
  local token = string.format("wrk%d-%d-%08x", number, sent, math.random(0, 0x7fffffff))
  local body = "author_name=" .. encoded("قارئ " .. number)
    .. "&author_email=" .. encoded(string.format("w%d-%d@example.org", number, sent % 8))
    .. "&body=" .. encoded(string.format("تعليق للقياس %d-%d: شكرا على هذا المقال المفيد.", number, sent))
    .. "&csrf_token=" .. encoded(csrf) .. "&form_token=" .. token
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie},
                    body)
end

function response(status, headers, body)
  local ident = status == 303 and (headers["Location"] or ""):match("#comment%-(%d+)$")
  if ident then
    table.insert(acknowledged, ident)
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local idents, others = {}, 0
  for _, thread in ipairs(threads) do
    idents[#idents + 1] = table.concat(thread:get("acknowledged"), " ")
    others = others + thread:get("refused")
  end
  io.write("acknowledged: ", table.concat(idents, " "), "\n")
  io.write("other answers: ", others, "\n")
end
