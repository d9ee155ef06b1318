# shellcheck shell=sh disable=SC2153 # upper-case names are the Command's environment
# Demo mode's Felix flush intervals, shared by every demo stack on the cluster. FelixConfiguration
# `default` itself records, in two annotations, the values it had before the first demo stack
# and which stacks hold demo mode now. `apply` records the values once (the first holder's
# record stays), adds DEMO_HOLDER, sets both intervals to DEMO_INTERVAL and prints the record;
# `restore` removes DEMO_HOLDER and, when it was the last, puts the recorded values back
# (removing a field that was unset) and the annotations with them. Each change is one patch
# made against the resourceVersion it read, so two stacks never overwrite each other. A stack
# that applied before these annotations existed has its record only in its own stdout.
# Env: KUBE_CONTEXT, FELIX_RESOURCE, FELIX_NAME, DEMO_INTERVAL, DEMO_HOLDER, PULUMI_COMMAND_STDOUT.
set -eu
set -f

before_key=calico-ad/demo-before
holders_key=calico-ad/demo-holders

# Sets version, before, holders, flow and dns from the object.
read_felix() {
    state=$(kube get "$FELIX_RESOURCE" "$FELIX_NAME" --output "jsonpath={.metadata.resourceVersion}|{.metadata.annotations['$before_key']}|{.metadata.annotations['$holders_key']}|{.spec.flowLogsFlushInterval}|{.spec.dnsLogsFlushInterval}") ||
        fail "cannot read $FELIX_RESOURCE/$FELIX_NAME"
    version=${state%%|*}
    state=${state#*|}
    before=${state%%|*}
    state=${state#*|}
    holders=${state%%|*}
    state=${state#*|}
    flow=${state%%|*}
    dns=${state#*|}
    # A record without a holder is left over; the values in force are the ones to keep.
    [ -n "$holders" ] || before=""
}

# The holders other than this stack, space-separated.
other_holders() {
    others=""
    for holder in $holders; do
        [ "$holder" = "$DEMO_HOLDER" ] || others="${others:+$others }$holder"
    done
    printf '%s' "$others"
}

# A recorded value as JSON: a duration such as 300s or 5m0s, or null when the field was unset.
as_json() {
    case "$1" in
        "") printf null ;;
        *[!0-9a-z.]*) fail "unexpected value in $FELIX_RESOURCE/$FELIX_NAME: $1" ;;
        *) printf '"%s"' "$1" ;;
    esac
}

is_record() {
    case "$1" in
        '{"flowLogsFlushInterval":'*'"dnsLogsFlushInterval":'*'}') return 0 ;;
        *) return 1 ;;
    esac
}

# A JSON string holding $1, which has no backslash or control character (records and holders).
as_string() {
    printf '"%s"' "$(printf '%s' "$1" | sed 's/"/\\"/g')"
}

# Patches metadata annotations ($1) and spec ($2, optional) if the object is still at $version;
# sets conflict when another stack changed it since it was read.
patch_felix() {
    if ! kube patch "$FELIX_RESOURCE" "$FELIX_NAME" --type merge \
        --patch "{\"metadata\":{\"resourceVersion\":\"$version\",\"annotations\":$1}${2:+,\"spec\":$2}}" \
        >/dev/null 2>"$patch_errors"; then
        grep -q 'the object has been modified' "$patch_errors" ||
            fail "cannot patch $FELIX_RESOURCE/$FELIX_NAME: $(cat "$patch_errors")"
        conflict=1
    fi
}

apply_demo() {
    read_felix
    if [ -n "$before" ]; then
        record=$before
    elif is_record "$(printf '%s' "${PULUMI_COMMAND_STDOUT:-}" | head -n 1)"; then
        record=$(printf '%s' "$PULUMI_COMMAND_STDOUT" | head -n 1)
    else
        flow_json=$(as_json "$flow")
        dns_json=$(as_json "$dns")
        record="{\"flowLogsFlushInterval\":$flow_json,\"dnsLogsFlushInterval\":$dns_json}"
    fi
    others=$(other_holders)
    patch_felix "{\"$before_key\":$(as_string "$record"),\"$holders_key\":$(as_string "${others:+$others }$DEMO_HOLDER")}" \
        "{\"flowLogsFlushInterval\":\"$DEMO_INTERVAL\",\"dnsLogsFlushInterval\":\"$DEMO_INTERVAL\"}"
}

restore_demo() {
    read_felix
    others=$(other_holders)
    if [ -n "$others" ]; then
        patch_felix "{\"$holders_key\":$(as_string "$others")}"
        return
    fi
    record=${before:-$(printf '%s' "${PULUMI_COMMAND_STDOUT:-}" | head -n 1)}
    is_record "$record" ||
        fail "no record of the Felix flush intervals before demo mode; set them by hand (kubectl patch $FELIX_RESOURCE $FELIX_NAME)"
    patch_felix "{\"$before_key\":null,\"$holders_key\":null}" "$record"
}

case "$1" in
    apply | restore) ;;
    *) fail "usage: felixIntervals.sh apply|restore" ;;
esac
patch_errors=$(mktemp)
trap 'rm -f "$patch_errors"' EXIT
# After a conflict, read the object again and redo the change.
attempt=1
while :; do
    conflict=""
    "${1}_demo"
    [ -n "$conflict" ] || break
    [ "$attempt" -lt 5 ] || fail "cannot patch $FELIX_RESOURCE/$FELIX_NAME: $(cat "$patch_errors")"
    attempt=$((attempt + 1))
done
[ "$1" = restore ] || printf '%s\n' "$record"
