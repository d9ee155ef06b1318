# scripts/demo-summary.jq: the end of ./scripts/demo.sh, from `pulumi stack output --json`: what
# was deployed, the scan, and the alert the way the workshop's step 5 shows it in the web UI
# (detector, source pod, description, seconds from the scan to the alert). Run with
# `jq -r --arg stack NAME -f scripts/demo-summary.jq`; test/unit/demoSummary.test.ts feeds it.

def row($name; $value): "  \($name | . + (" " * (13 - length)))\($value)";

# The detector is the job id the description starts with (anomaly_detection.<job>).
def detector: (.description // "" | capture("^anomaly_detection\\.(?<job>[a-z0-9_]+)").job) // "(not named in the description)";

"== Deployed by stack \($stack)",
row("release"; "\(.release // "?") (\(.era // "?") era)\(if .clusterName then ", cluster \(.clusterName)" else "" end)"),
(.deployed // [] | if length > 0 then row("objects"; join(", ")) else empty end),
(.warnings // [] | .[] | row("warning"; .)),
"",
"== The workshop's scan",
(if .portScan then row("nmap"; .portScan) else row("nmap"; "no scan ran in this stack") end),
"",
"== The alert (the workshop's step 5)",
((.alertVerification // .scanAlertVerification) as $alert
  | if $alert == null then
      row("status"; "not looked for: the alert verification is off in this stack")
    elif $alert.found and $alert.confirmedBy then
      row("alert"; "the rule-based scan alert (no AD on this release), confirmed by \($alert.confirmedBy | join(" and "))"),
      row("source pod"; $alert.source),
      row("description"; $alert.description),
      row("raised"; "\($alert.secondsAfterScan) s after the scan ended (event time \($alert.eventTime))")
    elif $alert.found then
      row("detector"; $alert | detector),
      row("source pod"; $alert.source),
      row("description"; $alert.description),
      row("raised"; "\($alert.secondsAfterScan) s after the scan ended (event time \($alert.eventTime), index \($alert.index))")
    else
      row("status"; "no alert (\($alert.status)) after \($alert.waitedSeconds // "?") s: \($alert.reason // "")")
    end)
