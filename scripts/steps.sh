# Layer: tooling (sourced by the scripts in this folder). Touches nothing by itself: it only
# defines `run_step`, which prints a section header, runs one command, and reports its time.

# run_step TITLE COMMAND [ARGS...]
# Runs COMMAND with its output passing straight through, then prints how long it took.
# On failure it names the step and exits the calling script with the command's status.
run_step() {
    local title="$1"
    shift
    local started status=0
    started=$(date +%s.%N)
    printf '\n==== %s ====\n' "$title"
    printf '$ %s\n' "$*"
    "$@" || status=$?
    local seconds
    seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ "$status" -ne 0 ]; then
        printf '==== FAILED: %s (exit %d after %ss) ====\n' "$title" "$status" "$seconds" >&2
        exit "$status"
    fi
    printf -- '---- %s: done in %ss\n' "$title" "$seconds"
}
