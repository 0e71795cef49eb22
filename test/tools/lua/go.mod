// Wrapper module: a tiny runner of Argo CD health scripts on github.com/yuin/gopher-lua,
// the Lua VM Argo CD uses (test tool only).
module cloudposture.io/tools/lua

go 1.24.0

require github.com/yuin/gopher-lua v1.1.1
