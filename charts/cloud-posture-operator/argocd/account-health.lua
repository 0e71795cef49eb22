-- Argo CD resource health check for cloudposture.io/CloudAccount (the platform team's
-- grant of one cloud account to namespaces).
--
--   Healthy      Ready=True for the current generation: the operator reached the account
--   Degraded     Ready=False (credentials missing or refused, another account reached)
--   Progressing  not checked yet, the current generation not yet observed, or Ready
--                Unknown (the credentials Secret could not be read this time)
--
-- Same restricted libraries as health.lua (base, table, package). Tested with gopher-lua
-- (test/integration/argocd-health.test.ts).

local hs = { status = "Progressing", message = "Waiting for the cloud-posture operator to check this account" }

if obj.status == nil or obj.status.conditions == nil then
  return hs
end

local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end
local observed = obj.status.observedGeneration
if observed == nil or observed < generation then
  hs.message = "Waiting for generation " .. tostring(generation) .. " to be checked (observed " .. tostring(observed or 0) .. ")"
  return hs
end

local ready = nil
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    ready = c
  end
end
if ready == nil then
  return hs
end

local text = ready.reason or ""
if ready.message ~= nil and ready.message ~= "" then
  if text ~= "" then
    text = text .. ": "
  end
  text = text .. ready.message
end
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" then
  hs.status = "Degraded"
end
if text ~= "" then
  hs.message = text
end
return hs
