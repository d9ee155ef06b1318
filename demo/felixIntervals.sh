# shellcheck shell=sh disable=SC2153 # upper-case names are the Command's environment
# Demo mode's Felix flush intervals. `apply` records the values FelixConfiguration `default`
# has (once: on an update the record of the first run is kept, from PULUMI_COMMAND_STDOUT),
# sets both intervals to DEMO_INTERVAL and prints the record; `restore` puts the recorded values
# back, removing a field that was unset. The record is one JSON line in the Command's stdout.
# Env: KUBE_CONTEXT, FELIX_RESOURCE, FELIX_NAME, DEMO_INTERVAL, PULUMI_COMMAND_STDOUT.
set -eu

patch_spec() {
    kube patch "$FELIX_RESOURCE" "$FELIX_NAME" --type merge --patch "{\"spec\":$1}" >/dev/null ||
        fail "cannot patch $FELIX_RESOURCE/$FELIX_NAME"
}

# A recorded value as JSON: a duration such as 300s or 5m0s, or null when the field was unset.
as_json() {
    case "$1" in
        "") printf null ;;
        *[!0-9a-z.]*) fail "unexpected value in $FELIX_RESOURCE/$FELIX_NAME: $1" ;;
        *) printf '"%s"' "$1" ;;
    esac
}

case "$1" in
    apply)
        record="${PULUMI_COMMAND_STDOUT:-}"
        if [ -z "$record" ]; then
            current=$(kube get "$FELIX_RESOURCE" "$FELIX_NAME" --output 'jsonpath={.spec.flowLogsFlushInterval}|{.spec.dnsLogsFlushInterval}') ||
                fail "cannot read $FELIX_RESOURCE/$FELIX_NAME"
            record=$(printf '{"flowLogsFlushInterval":%s,"dnsLogsFlushInterval":%s}' \
                "$(as_json "${current%%|*}")" "$(as_json "${current#*|}")")
        fi
        patch_spec "{\"flowLogsFlushInterval\":\"$DEMO_INTERVAL\",\"dnsLogsFlushInterval\":\"$DEMO_INTERVAL\"}"
        printf '%s\n' "$record"
        ;;
    restore)
        record=$(printf '%s' "${PULUMI_COMMAND_STDOUT:-}" | head -n 1)
        case "$record" in
            '{"flowLogsFlushInterval":'*'"dnsLogsFlushInterval":'*'}') ;;
            *) fail "no record of the Felix flush intervals before demo mode; set them by hand (kubectl patch $FELIX_RESOURCE $FELIX_NAME)" ;;
        esac
        patch_spec "$record"
        ;;
    *) fail "usage: felixIntervals.sh apply|restore" ;;
esac
