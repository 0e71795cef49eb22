-- Argo CD resource health check for cloudposture.io/CloudService.
--
--   Healthy      Compliant=True, evaluated for the current generation
--   Degraded     Compliant=False (a control the policy requires is not met), or
--                Stalled=True (a permanent failure: retrying will not help)
--   Progressing  not evaluated yet (no status), the current generation not yet observed,
--                or a control could not be evaluated (Unknown: throttled, no credentials)
--
-- Runs as a custom health check from argocd-cm (argocd-cm-patch.yaml): Argo CD opens
-- only Lua's base, table and package libraries for it, so this script uses no string
-- or os functions. Tested with gopher-lua, Argo CD's Lua VM (test/integration/argocd-health.test.ts).

local hs = { status = "Progressing", message = "Waiting for the cloud-posture operator to evaluate this service" }

local function find(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c)
  local text = ""
  if c.reason ~= nil and c.reason ~= "" then
    text = c.reason
  end
  if c.message ~= nil and c.message ~= "" then
    if text ~= "" then
      text = text .. ": "
    end
    text = text .. c.message
  end
  return text
end

if obj.status == nil or obj.status.conditions == nil or #obj.status.conditions == 0 then
  return hs
end

local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end
local observed = obj.status.observedGeneration
if observed == nil or observed < generation then
  hs.message = "Waiting for generation " .. tostring(generation) .. " to be evaluated (observed " .. tostring(observed or 0) .. ")"
  return hs
end

local compliant = find(obj.status.conditions, "Compliant")
if compliant == nil then
  return hs
end
if compliant.observedGeneration ~= nil and compliant.observedGeneration < generation then
  hs.message = "Compliant condition is from generation " .. tostring(compliant.observedGeneration) .. ", waiting for " .. tostring(generation)
  return hs
end

if compliant.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(compliant)
  if hs.message == "" then
    hs.message = "Not compliant"
  end
  return hs
end

-- A permanent failure (wrong account id, untrusted role, missing credentials) stops the
-- retries: waiting would never end, so it is Degraded with what to fix.
local stalled = find(obj.status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  if hs.message == "" then
    hs.message = "Stalled"
  end
  return hs
end

-- A control that could not be evaluated is Unknown, never a finding: wait for it.
for _, c in ipairs(obj.status.conditions) do
  if c.status == "Unknown" and c.type ~= "Ready" then
    hs.message = c.type .. " could not be evaluated"
    local detail = describe(c)
    if detail ~= "" then
      hs.message = hs.message .. " (" .. detail .. ")"
    end
    return hs
  end
end

if compliant.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(compliant)
  if hs.message == "" then
    hs.message = "Compliant"
  end
  return hs
end

return hs
