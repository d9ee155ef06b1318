# shellcheck shell=sh
# Shared start of the simulation scripts (simulations/*.sh); scan/scripts.ts puts it in front of
# each and fills in the placeholders (words between @ signs) from scan/arithmetic.ts.
# Values arrive only as environment variables and are only expanded inside double quotes,
# so nothing in them is ever parsed as shell code.
set -eu

bucket_seconds=@BUCKET_SECONDS@
bucket_guard_seconds=@BUCKET_GUARD_SECONDS@

# Waits for the next bucket when the current one is about to close, so the probes of one run
# are counted in one bucket.
wait_for_bucket() {
    now=$(date +%s)
    left=$((bucket_seconds - now % bucket_seconds))
    if [ "$left" -lt "$bucket_guard_seconds" ]; then
        printf 'waiting %s s for the next 5-minute bucket\n' "$left" >&2
        sleep "$left"
    fi
}

# Runs nmap in the scanner pod with the given arguments. Sets `seconds` and `result` (nmap's
# "Nmap done" line); nmap's output reaches stderr, last lines only, when it fails.
run_nmap() {
    start=$(date +%s)
    if ! output=$(kube --namespace "$SCAN_NAMESPACE" exec "$SCANNER_POD" -- nmap "$@" 2>&1); then
        printf '%s\n' "$output" | tail -n 20 >&2
        fail "nmap in pod $SCAN_NAMESPACE/$SCANNER_POD failed; the scanner pod needs nmap (e.g. nicolaka/netshoot)"
    fi
    # shellcheck disable=SC2034 # read by the script that follows
    seconds=$(($(date +%s) - start))
    # shellcheck disable=SC2034
    result=$(printf '%s\n' "$output" | grep '^Nmap done' || true)
}
