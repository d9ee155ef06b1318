# shellcheck shell=sh
# Put in front of every script a Command runs (common/shellScript.ts): kubectl with the stack's
# kube context, and how a script gives up.

fail() {
    printf '%s\n' "$*" >&2
    exit 1
}

# kubectl with the stack's kube context, when it has one.
kube() {
    if [ -n "${KUBE_CONTEXT:-}" ]; then
        kubectl --context "$KUBE_CONTEXT" "$@"
    else
        kubectl "$@"
    fi
}
