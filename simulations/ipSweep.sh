# The ip sweep of SWEEP_CIDR from SCANNER_POD in SCAN_NAMESPACE. Prints one summary line. Runs
# after scan/common.sh, which defines wait_for_bucket and run_nmap (and the `seconds` and
# `result` it sets).
# shellcheck shell=sh disable=SC2154

wait_for_bucket
run_nmap @IP_SWEEP_FLAGS@ "$SWEEP_CIDR"
# "started at" opens the alert verification's window (verify/events.ts parseScanTiming).
printf 'ip sweep of %s from %s/%s for threshold %s in %s s (started at %s); %s\n' \
    "$SWEEP_CIDR" "$SCAN_NAMESPACE" "$SCANNER_POD" "$SCAN_THRESHOLD" "$seconds" "$start" "$result"
