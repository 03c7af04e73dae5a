-- govc's language server in Neovim, without nvim-lspconfig: `require("govc").setup()` starts
-- `govc lsp` for every buffer of filetype `gov`, one server per project root (the nearest
-- directory above the file with a `govc.toml` or a `.git`, else the file's own directory).
--
-- Works on Neovim 0.7 (vim.lsp.start_client and buf_attach_client) and uses vim.lsp.start from
-- 0.8 on.

local M = {}

--- The defaults; `setup(opts)` merges `opts` over them.
M.config = {
  -- The command that runs the server.
  cmd = { "govc", "lsp" },
  -- Files or directories that mark a project's root, nearest first wins.
  root_markers = { "govc.toml", ".git" },
  -- Sent as `initializationOptions`: how long (ms) the server waits after an edit before it
  -- checks the project.
  init_options = { debounceMs = 100 },
  -- Called as on_attach(client, bufnr) when a buffer is attached.
  on_attach = nil,
}

--- Clients started on Neovim 0.7, by root directory.
local clients = {}

--- The root directory of the project a file belongs to.
function M.root_dir(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local best
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ";")
    if found == "" then
      found = vim.fn.finddir(marker, dir .. ";")
    end
    if found ~= "" then
      local root = vim.fn.fnamemodify(found, ":p"):gsub("/$", "")
      root = vim.fn.fnamemodify(root, ":h")
      if best == nil or #root > #best then
        best = root
      end
    end
  end
  return best or dir
end

local function client_config(root)
  return {
    name = "govc",
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = M.config.init_options,
    on_attach = M.config.on_attach,
  }
end

--- Attaches a buffer to the server of its project, starting the server if needed.
function M.attach(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" then
    return
  end
  local root = M.root_dir(path)
  if vim.lsp.start then
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.start(client_config(root))
    end)
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(client_config(root))
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

local function gov_buffers()
  local out = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == "gov" then
      table.insert(out, bufnr)
    end
  end
  return out
end

--- Stops the servers and starts them again for the open `gov` buffers (`:GovcRestart`).
function M.restart()
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == "govc" then
      client.stop()
    end
  end
  clients = {}
  vim.wait(2000, function()
    for _, client in ipairs(vim.lsp.get_active_clients()) do
      if client.name == "govc" then
        return false
      end
    end
    return true
  end, 50)
  for _, bufnr in ipairs(gov_buffers()) do
    M.attach(bufnr)
  end
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  local group = vim.api.nvim_create_augroup("govc", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "gov",
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  vim.api.nvim_create_user_command("GovcRestart", M.restart, { desc = "Restart the govc language server" })
  for _, bufnr in ipairs(gov_buffers()) do
    M.attach(bufnr)
  end
end

return M
