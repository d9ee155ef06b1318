# The port scan: the first Running pod matching TARGET_SELECTOR in TARGET_NAMESPACE is scanned on
# SCAN_PORTS from SCANNER_POD in SCAN_NAMESPACE. Prints one summary line; nmap's output stays
# out of stdout and state. Runs after scan/common.sh, which defines kube, fail, wait_for_bucket
# and run_nmap (and the `seconds` and `result` it sets).
# shellcheck shell=sh disable=SC2154

if ! ips=$(kube --namespace "$TARGET_NAMESPACE" get pods --selector "$TARGET_SELECTOR" --field-selector status.phase=Running --output 'jsonpath={.items[*].status.podIP}'); then
    fail "cannot list pods in namespace $TARGET_NAMESPACE"
fi
target="${ips%% *}"
case "$target" in
    "") fail "no Running pod with an IP in namespace $TARGET_NAMESPACE matches $TARGET_SELECTOR" ;;
    *[!0-9A-Fa-f.:]*) fail "unexpected pod IP: $target" ;;
esac
wait_for_bucket
run_nmap @PORT_SCAN_FLAGS@ -p "$SCAN_PORTS" "$target"
# "started at" opens the alert verification's window (verify/events.ts parseScanTiming).
printf 'port scan of %s (%s, %s) from %s/%s: ports %s for threshold %s in %s s (started at %s); %s\n' \
    "$target" "$TARGET_NAMESPACE" "$TARGET_SELECTOR" "$SCAN_NAMESPACE" "$SCANNER_POD" \
    "$SCAN_PORTS" "$SCAN_THRESHOLD" "$seconds" "$start" "$result"
