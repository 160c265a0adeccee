-- A real editor as the client of `flowc lsp`: Neovim's built-in LSP client
-- (headless, 0.7 API) opens the file given on the command line, waits for
-- the server's diagnostics, asks where the name at FLOW_DEF_AT (line:col,
-- 1-based) is declared, formats the buffer (and shows line FLOW_SHOW_LINE
-- of it), and writes what it got to $FLOW_OUT, one fact per line. Run by
-- nvim.test.
local out = {}
local client_id = vim.lsp.start_client({
  name = "flowc",
  cmd = { os.getenv("FLOWC"), "lsp" },
  root_dir = vim.fn.getcwd(),
})
vim.lsp.buf_attach_client(0, client_id)

local got = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20)
if not got then table.insert(out, "no diagnostics") end
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, string.format("diagnostic %d:%d %s %s", d.lnum + 1, d.col + 1,
    vim.diagnostic.severity[d.severity], d.message))
end

local line, col = os.getenv("FLOW_DEF_AT"):match("(%d+):(%d+)")
local params = {
  textDocument = vim.lsp.util.make_text_document_params(),
  position = { line = tonumber(line) - 1, character = tonumber(col) - 1 },
}
local replies = vim.lsp.buf_request_sync(0, "textDocument/definition", params, 20000) or {}
for _, reply in pairs(replies) do
  local loc = reply.result
  if loc and loc.range then
    table.insert(out, string.format("definition %d:%d", loc.range.start.line + 1, loc.range.start.character + 1))
  else
    table.insert(out, "definition none")
  end
end

local before = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
vim.lsp.buf.formatting_sync(nil, 20000)
local after = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
table.insert(out, before == after and "formatting unchanged" or "formatting changed")
local n = tonumber(os.getenv("FLOW_SHOW_LINE"))
table.insert(out, "line " .. n .. ": " .. vim.api.nvim_buf_get_lines(0, n - 1, n, false)[1])

vim.fn.writefile(out, os.getenv("FLOW_OUT"))
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
