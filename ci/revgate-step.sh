#!/usr/bin/env bash
# One revgate command as a pipeline step: the GitHub Action (action.yml) and the Azure Pipelines template
# (templates/revgate-gate.yml) both run this script from the installed @revgate/cli, so they behave alike.
#
# In (environment):
#   REVGATE_BIN       path to the package's bin/revgate.js
#   REVGATE_COMMAND   smoke, probe, load, gate or validate
#   REVGATE_ARGS      options, one per line: the flag, then (after a space) its value exactly as written;
#                     no quoting and no expansion, so nothing in a value is ever run as shell code.
#                     Blank lines and lines starting with # are ignored.
#   REVGATE_OUT       report folder (default reports/<command>); not for validate
#   REVGATE_FAIL_ON   verdicts that fail the step, comma-separated: fail, inconclusive, error (default, and
#                     when empty: "fail,error"; "none": never). A verdict not listed leaves the step green with a
#                     warning (GitHub) or SucceededWithIssues (Azure Pipelines); bad usage (exit 3) always fails.
# Out:
#   GitHub Actions (GITHUB_OUTPUT): verdict, decision, exit-code, report-dir
#   Azure Pipelines (TF_BUILD): output variables revgateVerdict, revgateDecision, revgateExitCode, revgateReportDir
# revgate itself writes the verdict outputs, the step summary and an annotation per failing or inconclusive
# check and gate; this script adds what only the step knows and turns the verdict into the step's result.
set -uo pipefail

# A message inside a workflow command / logging command stays one command: GitHub escapes %, CR and LF as
# %25, %0D, %0A; Azure Pipelines as %AZP25, %0D, %0A (src/report/ci.ts does the same for revgate's own).
gh_data() {
  local s="${1//'%'/%25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}
azp_data() {
  local s="${1//'%'/%AZP25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}

usage() {
  echo "revgate step: $1" >&2
  if [ "${TF_BUILD:-}" = "True" ]; then echo "##vso[task.logissue type=error]revgate step: $(azp_data "$1")"; fi
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then echo "::error title=revgate step::$(gh_data "$1")"; fi
  exit 3
}

[ -n "${REVGATE_BIN:-}" ] && [ -f "$REVGATE_BIN" ] || usage "REVGATE_BIN does not name revgate's bin/revgate.js (got '${REVGATE_BIN:-}')"
command="${REVGATE_COMMAND:-}"
case "$command" in
  smoke | probe | load | gate) out="${REVGATE_OUT:-reports/$command}" ;;
  validate) out="" ;;
  *) usage "command must be smoke, probe, load, gate or validate (got '$command')" ;;
esac

fail_on="${REVGATE_FAIL_ON:-fail,error}"
fail_on="${fail_on//[[:space:]]/}"
[ "$fail_on" = "none" ] && fail_on=""
IFS=',' read -r -a listed <<<"$fail_on"
for v in ${listed[@]+"${listed[@]}"}; do
  case "$v" in fail | inconclusive | error) ;; *) usage "fail-on takes fail, inconclusive and error, comma-separated, or none (got '$fail_on')" ;; esac
done

args=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -z "$line" ] && continue
  case "$line" in '#'*) continue ;; esac
  flag="${line%%[[:space:]]*}"
  value="${line#"$flag"}"
  value="${value#"${value%%[![:space:]]*}"}"
  case "$flag" in --out | --out=*) usage "give the report folder as the out input, not --out in the options" ;; esac
  case "$flag" in -*) ;; *) usage "each options line starts with a flag (got '$flag')" ;; esac
  args+=("$flag")
  if [ -n "$value" ]; then args+=("$value"); fi
done <<<"${REVGATE_ARGS:-}"
if [ -n "$out" ]; then args+=(--out "$out"); fi

# revgate writes its GitHub outputs to a file of its own, forwarded below: a run that ended before a verdict
# (bad usage, a harness error) still gets every output, and none is written twice.
own_output=""
if [ -n "${GITHUB_OUTPUT:-}" ]; then own_output="$(mktemp)"; fi
captured="$(mktemp)"
trap 'rm -f "$captured" ${own_output:+"$own_output"}' EXIT

if [ -n "$own_output" ]; then
  GITHUB_OUTPUT="$own_output" node "$REVGATE_BIN" "$command" ${args[@]+"${args[@]}"} | tee "$captured"
else
  node "$REVGATE_BIN" "$command" ${args[@]+"${args[@]}"} | tee "$captured"
fi
code="${PIPESTATUS[0]}"

case "$code" in
  0) verdict=pass decision=promote ;;
  1) verdict=fail decision=rollback ;;
  2) verdict=inconclusive decision=hold ;;
  4) verdict=error decision=hold ;;
  *) verdict="" decision="" ;;
esac
if [ "$command" = "validate" ] && [ "$code" = "0" ]; then decision=""; fi

if [ -n "$own_output" ]; then
  {
    if grep -q '^verdict=' "$own_output"; then
      cat "$own_output"
    else
      echo "verdict=$verdict"
      echo "decision=$decision"
      echo "exit-code=$code"
    fi
    echo "report-dir=$out"
  } >>"$GITHUB_OUTPUT"
fi
if [ "${TF_BUILD:-}" = "True" ]; then
  if ! grep -q '^##vso\[task.setvariable variable=revgateVerdict;' "$captured"; then
    echo "##vso[task.setvariable variable=revgateVerdict;isOutput=true]$verdict"
    echo "##vso[task.setvariable variable=revgateDecision;isOutput=true]$decision"
  fi
  echo "##vso[task.setvariable variable=revgateExitCode;isOutput=true]$code"
  echo "##vso[task.setvariable variable=revgateReportDir;isOutput=true]$out"
fi

[ "$code" = "0" ] && exit 0
# Bad usage, or an exit code outside the contract: never a result to wave through.
[ -z "$verdict" ] && exit "$code"
case ",$fail_on," in *",$verdict,"*) exit "$code" ;; esac

message="revgate $command: verdict $verdict ($decision, exit $code); the step passes because fail-on is '${fail_on:-none}'"
if [ "${GITHUB_ACTIONS:-}" = "true" ]; then echo "::warning title=revgate $verdict::$message"; fi
if [ "${TF_BUILD:-}" = "True" ]; then
  echo "##vso[task.logissue type=warning]$message"
  echo "##vso[task.complete result=SucceededWithIssues;]$message"
fi
exit 0
