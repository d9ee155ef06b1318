# shellcheck shell=sh disable=SC2153 # upper-case names are the Command's environment
# The alert verification: after a simulation, polls the events index for the alert of its
# detector from its simulating pod, the way the AD pods reach Elasticsearch: their user (the
# credential Secret in the IDS namespace), their CA and their host name, through `kubectl
# port-forward` to the Service behind that host (or CONNECT_TO, an address that answers for it). Prints one JSON line; the credential
# and the search answers stay in a private temporary directory, removed on exit.
#
# With GLOBAL_ALERT set (releases without AD), the alert is that rule-based GlobalAlert's: found
# needs its status.lastEvent at or after WINDOW_START (the scan's start) and, where the events
# route works, its global_alert event too; a route that does not work (no credential or CA, no
# port-forward, a refused user, no answer) leaves the status alone to decide, and the report
# says why.
#
# Env: KUBE_CONTEXT, IDS_NAMESPACE, CREDENTIAL_SECRET, CA_KIND (secret|configmap), CA_NAME,
# CA_KEY, ES_TLS_NAME, ES_PORT, FORWARD_NAMESPACE, FORWARD_SERVICE, FORWARD_PORT, CONNECT_TO,
# VERIFY_SPEC and EVENT_TOOL (verify/events.ts), EVENTS_INDEX, WINDOW_START, SCAN_STARTED and
# SCAN_SECONDS (empty when the scan's summary has no start time), BUCKET_SECONDS, TIMEOUT_SECONDS,
# POLL_SECONDS, ON_NOT_FOUND (warn|error), DETECTOR and SIMULATION (named in the error),
# GLOBAL_ALERT. Values are only expanded inside double quotes.
set -eu

# One line without quotes or backslashes, at most 200 characters, for a JSON string.
plain() {
    tr '\n\r\t' '   ' | tr -d '"\134\000-\037' | cut -c1-200
}

last_event=null
route_problem=""
report() { # status, reason, outcome JSON or null
    now=$(date +%s)
    printf '{"status":"%s","reason":"%s","scanEndedAt":%s,"reportedAt":%s,"waitedSeconds":%s,"lastEvent":%s,"routeProblem":"%s","outcome":%s}\n' \
        "$1" "$2" "$scan_end" "$now" "$((now - verify_start))" "$last_event" "$route_problem" "$3"
    if [ "$1" != found ] && [ "$ON_NOT_FOUND" = error ]; then
        printf 'detection test: no %s alert after the %s (%s): %s\n' "$DETECTOR" "$SIMULATION" "$1" "$2" >&2
        exit 1
    fi
    exit 0
}

verify_start=$(date +%s)
if [ -n "$SCAN_STARTED" ]; then
    scan_end=$((SCAN_STARTED + SCAN_SECONDS))
    since="$WINDOW_START"
else
    # No start time in the scan's summary: the scan ended just now, in this bucket or the last.
    scan_end=$verify_start
    since=$((verify_start - verify_start % BUCKET_SECONDS - BUCKET_SECONDS))
fi
deadline=$((verify_start + TIMEOUT_SECONDS))
work=$(mktemp -d)
chmod 700 "$work"
forward_pid=""
cleanup() {
    if [ -n "$forward_pid" ]; then
        kill "$forward_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A broken events route ends the AD verification; the rule-based one goes on with the status.
route_failed() { # status, reason
    if [ -z "$GLOBAL_ALERT" ]; then
        report "$1" "$2" null
    fi
    route_problem="$1: $2"
}

# Sets last_event to the GlobalAlert's status.lastEvent in epoch seconds (null when unset).
read_last_event() {
    if ! text=$(kube get globalalerts.projectcalico.org "$GLOBAL_ALERT" --output 'jsonpath={.status.lastEvent}' 2>"$work/kubectl.err"); then
        last="cannot read GlobalAlert $GLOBAL_ALERT: $(plain <"$work/kubectl.err")"
        return 0
    fi
    last_event=$(node -e 'const t = Date.parse(process.argv[1]); console.log(Number.isNaN(t) ? "null" : Math.floor(t / 1000))' "$text")
}
status_fired() {
    [ "$last_event" != null ] && [ "$last_event" -ge "$since" ]
}

# The AD user's credential, read into files only this user can read; never on a command line.
umask 077
secret_field() {
    kube --namespace "$IDS_NAMESPACE" get secret "$CREDENTIAL_SECRET" --output "jsonpath={.data.$1}" 2>"$work/kubectl.err" | base64 -d
}
if ! user=$(secret_field username) || [ -z "$user" ] || ! password=$(secret_field password); then
    route_failed credential-unreadable "cannot read secret $IDS_NAMESPACE/$CREDENTIAL_SECRET: $(plain <"$work/kubectl.err")"
else
    printf 'header = "Authorization: Basic %s"\n' "$(printf '%s:%s' "$user" "$password" | base64 | tr -d '\n')" >"$work/auth"
fi
unset user password
ca_key=$(printf '%s' "$CA_KEY" | sed 's/\./\\./g')
if [ "$CA_KIND" = secret ]; then
    ca_read() { kube --namespace "$IDS_NAMESPACE" get secret "$CA_NAME" --output "jsonpath={.data.$ca_key}" | base64 -d; }
else
    ca_read() { kube --namespace "$IDS_NAMESPACE" get configmap "$CA_NAME" --output "jsonpath={.data.$ca_key}"; }
fi
ca_ok=no
if ca_read >"$work/ca.pem" 2>"$work/kubectl.err"; then
    ca_ok=yes
fi
if [ -z "$route_problem" ] && { [ "$ca_ok" != yes ] || [ ! -s "$work/ca.pem" ]; }; then
    route_failed ca-unreadable "cannot read the Elasticsearch CA $CA_KIND $IDS_NAMESPACE/$CA_NAME key $CA_KEY: $(plain <"$work/kubectl.err")"
fi

connect_to="$CONNECT_TO"
if [ -z "$connect_to" ] && [ -z "$route_problem" ]; then
    kube --namespace "$FORWARD_NAMESPACE" port-forward "service/$FORWARD_SERVICE" ":$FORWARD_PORT" >"$work/forward.out" 2>"$work/forward.err" &
    forward_pid=$!
    tries=0
    while ! local_port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/forward.out" | head -n 1) || [ -z "$local_port" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ] || ! kill -0 "$forward_pid" 2>/dev/null; then
            route_failed unreachable "kubectl port-forward to service $FORWARD_NAMESPACE/$FORWARD_SERVICE:$FORWARD_PORT failed: $(plain <"$work/forward.err")"
            break
        fi
        sleep 0.1
    done
    connect_to="127.0.0.1:${local_port:-}"
fi

node -e "$EVENT_TOOL" -- query "$since" >"$work/query.json"

last="no answer yet"
last_status=unreachable
while :; do
    if [ -n "$GLOBAL_ALERT" ]; then
        read_last_event
        if [ -n "$route_problem" ]; then
            if status_fired; then
                report found "confirmed by status.lastEvent only; the global_alert event was not read ($route_problem)" null
            fi
            last_status=not-found
            last="status.lastEvent of GlobalAlert $GLOBAL_ALERT is not later than the scan yet"
            now=$(date +%s)
            if [ $((now + POLL_SECONDS)) -gt "$deadline" ]; then
                report "$last_status" "$last after $((now - verify_start)) s (timeout $TIMEOUT_SECONDS s); the global_alert event was not read ($route_problem)" null
            fi
            sleep "$POLL_SECONDS"
            continue
        fi
    fi
    code=$(curl --silent --show-error --max-time 20 \
        --config "$work/auth" --cacert "$work/ca.pem" \
        --connect-to "$ES_TLS_NAME:$ES_PORT:$connect_to" \
        --header 'Content-Type: application/json' --data-binary "@$work/query.json" \
        --output "$work/answer.json" --write-out '%{http_code}' \
        "https://$ES_TLS_NAME:$ES_PORT/$EVENTS_INDEX/_search?ignore_unavailable=true&allow_no_indices=true" \
        2>"$work/curl.err") || code=failed
    case "$code" in
        200)
            outcome=$(node -e "$EVENT_TOOL" -- answer "$since" "$work/answer.json")
            case "$outcome" in
                '{"kind":"found"'*)
                    if [ -z "$GLOBAL_ALERT" ] || status_fired; then
                        report found "" "$outcome"
                    fi
                    ;;
                '{"kind":"malformed"'*) report malformed "the search endpoint answered HTTP 200 with something else than a search answer" "$outcome" ;;
            esac
            last_status=not-found
            last="no matching event yet"
            if [ -n "$GLOBAL_ALERT" ]; then
                last="$last, status.lastEvent of GlobalAlert $GLOBAL_ALERT $(if status_fired; then echo is; else echo is not; fi) later than the scan"
            fi
            ;;
        401 | 403) route_failed unauthorized "the search endpoint refused the AD user (HTTP $code)" ;;
        failed)
            last_status=unreachable
            last="$ES_TLS_NAME:$ES_PORT via $connect_to: $(plain <"$work/curl.err")"
            ;;
        *)
            last_status=unreachable
            last="HTTP $code from $ES_TLS_NAME:$ES_PORT via $connect_to"
            ;;
    esac
    rm -f "$work/answer.json"
    if [ -n "$GLOBAL_ALERT" ] && [ "$last_status" = unreachable ] && status_fired; then
        route_problem="unreachable: $last"
        report found "confirmed by status.lastEvent only; the global_alert event was not read ($route_problem)" null
    fi
    now=$(date +%s)
    if [ $((now + POLL_SECONDS)) -gt "$deadline" ]; then
        report "$last_status" "$last after $((now - verify_start)) s (timeout $TIMEOUT_SECONDS s)" null
    fi
    sleep "$POLL_SECONDS"
done
