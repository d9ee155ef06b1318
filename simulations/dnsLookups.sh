# The DNS simulations (dga, dns tunnel): lookups of the generated names in LOOKUP_NAMES (one per
# line, made by simulations/dnsLookups.ts) from SCANNER_POD in SCAN_NAMESPACE, through the pod's
# resolver (kube-dns), so Felix's DNS logs record each query. LOOKUP_KIND names the simulation in
# the one summary line it prints. Runs after scan/common.sh.
# shellcheck shell=sh disable=SC2154

# Runs in the pod: each name with a trailing dot (no search-path expansion), once; an answer does
# not matter (NXDOMAIN is expected), only that the query was made. Counts the lookups it made.
# shellcheck disable=SC2016 # expanded by the pod's shell
lookups='count=0
while IFS= read -r name; do
    nslookup "$name." >/dev/null 2>&1 || true
    count=$((count + 1))
done
echo "$count"'

wait_for_bucket
start=$(date +%s)
if ! made=$(printf '%s\n' "$LOOKUP_NAMES" | kube --namespace "$SCAN_NAMESPACE" exec -i "$SCANNER_POD" -- sh -c "$lookups" 2>&1); then
    printf '%s\n' "$made" | tail -n 20 >&2
    fail "DNS lookups in pod $SCAN_NAMESPACE/$SCANNER_POD failed; the scanner pod needs sh and nslookup (e.g. nicolaka/netshoot)"
fi
seconds=$(($(date +%s) - start))
printf '%s lookups of %s names under %s from %s/%s in %s s (started at %s)\n' \
    "$LOOKUP_KIND" "$made" "$LOOKUP_DOMAIN" "$SCAN_NAMESPACE" "$SCANNER_POD" "$seconds" "$start"
