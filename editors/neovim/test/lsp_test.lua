-- Neovim with editors/neovim as its only plugin, against a real `govc lsp` (run by test.sh):
--
--   GOVC=/path/to/govc PROJECT=/tmp/project nvim --headless -u NONE -i NONE -n \
--     -c "luafile editors/neovim/test/lsp_test.lua"
--
-- Opens a .gov file with a type error, waits for govc's diagnostic, fixes the error the way a
-- user types, waits for the diagnostic to go, then asks for signature help and highlights. Prints
-- a transcript of what Neovim received; exits non-zero on the first thing that is not as expected.

local plugin = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
local govc = os.getenv("GOVC")
local project = os.getenv("PROJECT")

local function say(line)
  io.stdout:write(line .. "\n")
end

local function fail(message)
  say("FAIL: " .. message)
  vim.cmd("cquit 1")
end

if not govc or not project then
  fail("GOVC and PROJECT must be set")
end

vim.opt.runtimepath:prepend(plugin)
vim.cmd("filetype plugin on")
vim.cmd("syntax on")
require("govc").setup({ cmd = { govc, "lsp" }, init_options = { debounceMs = 20 } })

say("nvim " .. tostring(vim.version().major) .. "." .. vim.version().minor .. "." .. vim.version().patch)
vim.cmd("edit " .. vim.fn.fnameescape(project .. "/main.gov"))
local buf = vim.api.nvim_get_current_buf()
if vim.bo.filetype ~= "gov" then
  fail("filetype is `" .. vim.bo.filetype .. "`, not gov")
end
say("filetype: " .. vim.bo.filetype .. ", commentstring: " .. vim.bo.commentstring)

local function client()
  for _, c in ipairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == "govc" then
      return c
    end
  end
end

if not vim.wait(20000, function()
  local c = client()
  return c ~= nil and c.initialized == true
end, 50) then
  fail("the govc client did not start and initialize")
end
say("client: " .. client().name .. ", root " .. client().config.root_dir)

if not vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50) then
  fail("no diagnostics arrived")
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  say(string.format("diagnostic %d:%d %s [%s] %s", d.lnum + 1, d.col + 1, d.source or "?", tostring(d.code), d.message))
end
local first = vim.diagnostic.get(buf)[1]
if first.code ~= "E0101" or not first.message:find("Recrod", 1, true) then
  fail("expected E0101 about `Recrod`")
end

-- Fix the typo as a user would: an edit of the buffer, sent as didChange.
local line = vim.api.nvim_buf_get_lines(buf, first.lnum, first.lnum + 1, false)[1]
local fixed = line:gsub("Recrod", "Record")
vim.api.nvim_buf_set_lines(buf, first.lnum, first.lnum + 1, false, { fixed })
say("edited line " .. (first.lnum + 1) .. ": " .. fixed)
if not vim.wait(20000, function()
  return #vim.diagnostic.get(buf) == 0
end, 50) then
  fail("the diagnostic stayed after the fix")
end
say("diagnostics after the fix: none")

-- The cursor on the second argument of `startswith(r.name, "a")`.
local function find(pattern)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = l:find(pattern, 1, true)
    if col then
      return { line = i - 1, character = col - 1 }
    end
  end
  fail("`" .. pattern .. "` is not in the file")
end

local function request(method, position)
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = position }
  local answers = vim.lsp.buf_request_sync(buf, method, params, 10000)
  for _, answer in pairs(answers or {}) do
    if answer.err then
      fail(method .. ": " .. vim.inspect(answer.err))
    end
    return answer.result
  end
  fail(method .. ": no answer")
end

local at = find('"a")')
local help = request("textDocument/signatureHelp", at)
local signature = help and help.signatures and help.signatures[1]
if not signature then
  fail("no signature help")
end
local active = signature.parameters[(help.activeParameter or 0) + 1].label
local label = type(active) == "table" and signature.label:sub(active[1] + 1, active[2]) or active
say("signature help: " .. signature.label .. ", active parameter `" .. label .. "`")
if label ~= "prefix: string" then
  fail("the active parameter is not `prefix: string`")
end

local highlights = request("textDocument/documentHighlight", find("r.name"))
local kinds = {}
for _, h in ipairs(highlights or {}) do
  table.insert(kinds, string.format("%d:%d %s", h.range.start.line + 1, h.range.start.character + 1, ({ "text", "read", "write" })[h.kind or 1]))
end
say("highlights of `r`: " .. table.concat(kinds, ", "))
if #kinds < 2 then
  fail("expected the binding of `r` and its use")
end

say("PASS")
vim.cmd("qall!")
